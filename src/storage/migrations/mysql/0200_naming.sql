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
