-- Deleted catalog rows with the index of their deletion, so every node can read the catalog changes
-- committed after the index it last saw (rows by modify_index, deletions from here).
CREATE TABLE IF NOT EXISTS `consul_catalog_tombstone` (
  `kind` varchar(16) NOT NULL,
  `node` varchar(255) NOT NULL,
  `id` varchar(255) NOT NULL,
  `idx` bigint NOT NULL,
  PRIMARY KEY (`kind`, `node`, `id`),
  KEY `idx_consul_catalog_tombstone_idx` (`idx`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_consul_catalog_modify_index` ON `consul_catalog` (`modify_index`);

-- The Consul node (server) an agent service belongs to: each server restores only its own at boot.
-- '' = stored before this column existed (claimed by the first server that restores it).
ALTER TABLE `consul_agent_service` ADD COLUMN `node` varchar(255) NOT NULL DEFAULT '';
