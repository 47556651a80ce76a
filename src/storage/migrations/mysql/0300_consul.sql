-- Consul KV and sessions. Indexes are Batata's state indexes (Consul CreateIndex/ModifyIndex),
-- stored so that CAS and lock indexes survive restarts. Flags are uint64 kept as decimal text.
CREATE TABLE IF NOT EXISTS `consul_kv` (
  `k` varchar(768) NOT NULL,
  `v` mediumblob,
  `flags` varchar(20) NOT NULL DEFAULT '0',
  `lock_index` bigint NOT NULL DEFAULT 0,
  `session` varchar(64) DEFAULT NULL,
  `create_index` bigint NOT NULL,
  `modify_index` bigint NOT NULL,
  PRIMARY KEY (`k`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `consul_session` (
  `id` varchar(64) NOT NULL,
  `node` varchar(255) NOT NULL,
  `body` text NOT NULL,
  `create_index` bigint NOT NULL,
  `modify_index` bigint NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
