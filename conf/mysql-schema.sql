-- Batata MySQL schema: the Nacos tables plus Batata's own. Generated from src/storage/migrations/mysql
-- by `bun run gen`. `mysql -u root -p < conf/mysql-schema.sql` creates the database `batata`;
-- to load it into another database, remove the two lines below. `batata db migrate` does the same.

CREATE DATABASE IF NOT EXISTS `batata` DEFAULT CHARACTER SET utf8mb4;
USE `batata`;

CREATE TABLE IF NOT EXISTS `batata_schema_migrations` (`version` int NOT NULL PRIMARY KEY, `name` varchar(128) NOT NULL, `applied_at` bigint NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- 1 nacos_base
-- Nacos tables (alibaba/nacos distribution/conf/mysql-schema.sql, 2.5/3.x) so an existing Nacos
-- database can be pointed at Batata, plus Batata's own metadata table.
CREATE TABLE IF NOT EXISTS `config_info` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `data_id` varchar(255) NOT NULL,
  `group_id` varchar(128) DEFAULT NULL,
  `content` longtext NOT NULL,
  `md5` varchar(32) DEFAULT NULL,
  `gmt_create` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `gmt_modified` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `src_user` text,
  `src_ip` varchar(50) DEFAULT NULL,
  `app_name` varchar(128) DEFAULT NULL,
  `tenant_id` varchar(128) DEFAULT '',
  `c_desc` varchar(256) DEFAULT NULL,
  `c_use` varchar(64) DEFAULT NULL,
  `effect` varchar(64) DEFAULT NULL,
  `type` varchar(64) DEFAULT NULL,
  `c_schema` text,
  `encrypted_data_key` varchar(1024) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_configinfo_datagrouptenant` (`data_id`,`group_id`,`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE IF NOT EXISTS `config_info_gray` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `data_id` varchar(255) NOT NULL,
  `group_id` varchar(128) NOT NULL,
  `content` longtext NOT NULL,
  `md5` varchar(32) DEFAULT NULL,
  `src_user` text,
  `src_ip` varchar(100) DEFAULT NULL,
  `gmt_create` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  `gmt_modified` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  `app_name` varchar(128) DEFAULT NULL,
  `tenant_id` varchar(128) DEFAULT '',
  `gray_name` varchar(128) NOT NULL,
  `gray_rule` text NOT NULL,
  `encrypted_data_key` varchar(256) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_configinfogray_datagrouptenantgray` (`data_id`,`group_id`,`tenant_id`,`gray_name`),
  KEY `idx_dataid_gmt_modified` (`data_id`,`gmt_modified`),
  KEY `idx_gmt_modified` (`gmt_modified`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8;

CREATE TABLE IF NOT EXISTS `config_tags_relation` (
  `id` bigint(20) NOT NULL,
  `tag_name` varchar(128) NOT NULL,
  `tag_type` varchar(64) DEFAULT NULL,
  `data_id` varchar(255) NOT NULL,
  `group_id` varchar(128) NOT NULL,
  `tenant_id` varchar(128) DEFAULT '',
  `nid` bigint(20) NOT NULL AUTO_INCREMENT,
  PRIMARY KEY (`nid`),
  UNIQUE KEY `uk_configtagrelation_configidtag` (`id`,`tag_name`,`tag_type`),
  KEY `idx_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE IF NOT EXISTS `group_capacity` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `group_id` varchar(128) NOT NULL DEFAULT '',
  `quota` int(10) unsigned NOT NULL DEFAULT '0',
  `usage` int(10) unsigned NOT NULL DEFAULT '0',
  `max_size` int(10) unsigned NOT NULL DEFAULT '0',
  `max_aggr_count` int(10) unsigned NOT NULL DEFAULT '0',
  `max_aggr_size` int(10) unsigned NOT NULL DEFAULT '0',
  `max_history_count` int(10) unsigned NOT NULL DEFAULT '0',
  `gmt_create` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `gmt_modified` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_group_id` (`group_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE IF NOT EXISTS `tenant_capacity` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `tenant_id` varchar(128) NOT NULL DEFAULT '',
  `quota` int(10) unsigned NOT NULL DEFAULT '0',
  `usage` int(10) unsigned NOT NULL DEFAULT '0',
  `max_size` int(10) unsigned NOT NULL DEFAULT '0',
  `max_aggr_count` int(10) unsigned NOT NULL DEFAULT '0',
  `max_aggr_size` int(10) unsigned NOT NULL DEFAULT '0',
  `max_history_count` int(10) unsigned NOT NULL DEFAULT '0',
  `gmt_create` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `gmt_modified` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE IF NOT EXISTS `his_config_info` (
  `id` bigint(20) unsigned NOT NULL,
  `nid` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `data_id` varchar(255) NOT NULL,
  `group_id` varchar(128) NOT NULL,
  `app_name` varchar(128) DEFAULT NULL,
  `content` longtext NOT NULL,
  `md5` varchar(32) DEFAULT NULL,
  `gmt_create` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `gmt_modified` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `src_user` text,
  `src_ip` varchar(50) DEFAULT NULL,
  `op_type` char(10) DEFAULT NULL,
  `tenant_id` varchar(128) DEFAULT '',
  `encrypted_data_key` varchar(1024) NOT NULL DEFAULT '',
  `publish_type` varchar(50) DEFAULT 'formal',
  `gray_name` varchar(50) DEFAULT NULL,
  `ext_info` longtext DEFAULT NULL,
  PRIMARY KEY (`nid`),
  KEY `idx_gmt_create` (`gmt_create`),
  KEY `idx_gmt_modified` (`gmt_modified`),
  KEY `idx_did` (`data_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE IF NOT EXISTS `tenant_info` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `kp` varchar(128) NOT NULL,
  `tenant_id` varchar(128) DEFAULT '',
  `tenant_name` varchar(128) DEFAULT '',
  `tenant_desc` varchar(256) DEFAULT NULL,
  `create_source` varchar(32) DEFAULT NULL,
  `gmt_create` bigint(20) NOT NULL,
  `gmt_modified` bigint(20) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_tenant_info_kptenantid` (`kp`,`tenant_id`),
  KEY `idx_tenant_id` (`tenant_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

CREATE TABLE IF NOT EXISTS `users` (
  `username` varchar(50) NOT NULL PRIMARY KEY,
  `password` varchar(500) NOT NULL,
  `enabled` boolean NOT NULL
);

CREATE TABLE IF NOT EXISTS `roles` (
  `username` varchar(50) NOT NULL,
  `role` varchar(50) NOT NULL,
  UNIQUE INDEX `idx_user_role` (`username` ASC, `role` ASC) USING BTREE
);

CREATE TABLE IF NOT EXISTS `permissions` (
  `role` varchar(50) NOT NULL,
  `resource` varchar(128) NOT NULL,
  `action` varchar(8) NOT NULL,
  UNIQUE INDEX `uk_role_permission` (`role`,`resource`,`action`) USING BTREE
);

CREATE TABLE IF NOT EXISTS `batata_meta` (
  `k` varchar(64) NOT NULL,
  `v` varchar(1024) NOT NULL,
  PRIMARY KEY (`k`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO `batata_schema_migrations` (`version`, `name`, `applied_at`) VALUES (1, 'nacos_base', 0);

-- 200 naming
-- Naming (service discovery): explicitly defined services and persistent instances.
CREATE TABLE IF NOT EXISTS `naming_service` (
  `namespace_id` varchar(128) NOT NULL,
  `group_name` varchar(128) NOT NULL,
  `service_name` varchar(255) NOT NULL,
  `protect_threshold` double NOT NULL DEFAULT 0,
  `metadata` text NOT NULL,
  `selector` text NOT NULL,
  `clusters` text NOT NULL,
  `ephemeral` tinyint(1) NOT NULL DEFAULT 0,
  `gmt_create` bigint(20) NOT NULL,
  `gmt_modified` bigint(20) NOT NULL,
  PRIMARY KEY (`namespace_id`, `group_name`, `service_name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `naming_instance` (
  `namespace_id` varchar(128) NOT NULL,
  `group_name` varchar(128) NOT NULL,
  `service_name` varchar(255) NOT NULL,
  `instance_id` varchar(255) NOT NULL,
  `ip` varchar(64) NOT NULL,
  `port` int(11) NOT NULL,
  `weight` double NOT NULL DEFAULT 1,
  `healthy` tinyint(1) NOT NULL DEFAULT 1,
  `enabled` tinyint(1) NOT NULL DEFAULT 1,
  `cluster_name` varchar(64) NOT NULL,
  `metadata` text NOT NULL,
  `client_id` varchar(255) NOT NULL,
  `gmt_modified` bigint(20) NOT NULL,
  PRIMARY KEY (`namespace_id`, `group_name`, `service_name`, `instance_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO `batata_schema_migrations` (`version`, `name`, `applied_at`) VALUES (200, 'naming', 0);

-- 300 consul
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

INSERT IGNORE INTO `batata_schema_migrations` (`version`, `name`, `applied_at`) VALUES (300, 'consul', 0);

-- 301 consul_agent
-- Services registered through the Consul agent API, re-registered at boot (a Consul agent keeps
-- its services across restarts). Body = the decoded service definition with its checks (JSON).
CREATE TABLE IF NOT EXISTS `consul_agent_service` (
  `id` varchar(255) NOT NULL,
  `body` mediumtext NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO `batata_schema_migrations` (`version`, `name`, `applied_at`) VALUES (301, 'consul_agent', 0);

-- 302 consul_catalog
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

INSERT IGNORE INTO `batata_schema_migrations` (`version`, `name`, `applied_at`) VALUES (302, 'consul_catalog', 0);

-- 303 consul_index
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

INSERT IGNORE INTO `batata_schema_migrations` (`version`, `name`, `applied_at`) VALUES (303, 'consul_index', 0);

-- 304 consul_catalog_sync
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

INSERT IGNORE INTO `batata_schema_migrations` (`version`, `name`, `applied_at`) VALUES (304, 'consul_catalog_sync', 0);

