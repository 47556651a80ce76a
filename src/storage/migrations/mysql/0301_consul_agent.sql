-- Services registered through the Consul agent API, re-registered at boot (a Consul agent keeps
-- its services across restarts). Body = the decoded service definition with its checks (JSON).
CREATE TABLE IF NOT EXISTS `consul_agent_service` (
  `id` varchar(255) NOT NULL,
  `body` mediumtext NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
