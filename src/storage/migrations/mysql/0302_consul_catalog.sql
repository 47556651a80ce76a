-- Consul catalog state that is not an agent service: nodes registered through /v1/catalog/register
-- or txn (kind 'node', id ''), their services ('service', body = service definition) and checks
-- ('check', body = check entry, catalog or standalone agent checks). Reloaded at boot.
CREATE TABLE IF NOT EXISTS `consul_catalog` (
  `kind` varchar(16) NOT NULL,
  `node` varchar(255) NOT NULL,
  `id` varchar(255) NOT NULL,
  `body` mediumtext NOT NULL,
  `create_index` bigint NOT NULL,
  `modify_index` bigint NOT NULL,
  PRIMARY KEY (`kind`, `node`, `id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
