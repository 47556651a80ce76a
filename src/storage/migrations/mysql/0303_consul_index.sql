-- Cluster-wide Consul index (one row): the index of the last committed Consul write. Every Consul
-- write locks this row (SELECT ... FOR UPDATE) for its transaction, so writes of all nodes are
-- serialized, commit in index order and check their conditions against current data.
-- `reaped`: tombstones up to this index are gone (a reader older than that reloads everything).
CREATE TABLE IF NOT EXISTS `consul_index` (
  `id` int NOT NULL,
  `idx` bigint NOT NULL DEFAULT 0,
  `reaped` bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO `consul_index` (`id`, `idx`, `reaped`) VALUES (1, 0, 0);

-- Deleted KV keys and sessions with the index of their deletion, so nodes can read "everything
-- changed after index N" (rows by modify_index, deletions from here).
CREATE TABLE IF NOT EXISTS `consul_kv_tombstone` (
  `k` varchar(768) NOT NULL,
  `idx` bigint NOT NULL,
  PRIMARY KEY (`k`),
  KEY `idx_consul_kv_tombstone_idx` (`idx`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `consul_session_tombstone` (
  `id` varchar(64) NOT NULL,
  `idx` bigint NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_consul_session_tombstone_idx` (`idx`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE INDEX `idx_consul_kv_modify_index` ON `consul_kv` (`modify_index`);

CREATE INDEX `idx_consul_session_modify_index` ON `consul_session` (`modify_index`);

-- Last renewal of a TTL session (epoch ms, NULL = never renewed), written by whichever node got the
-- renew, read by the node whose expiry timer fires (not part of the session's indexes).
ALTER TABLE `consul_session` ADD COLUMN `renewed_at` bigint DEFAULT NULL;
