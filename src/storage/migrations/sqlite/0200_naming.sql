-- Naming (service discovery): explicitly defined services and persistent instances.
CREATE TABLE IF NOT EXISTS naming_service (
  namespace_id TEXT NOT NULL,
  group_name TEXT NOT NULL,
  service_name TEXT NOT NULL,
  protect_threshold REAL NOT NULL DEFAULT 0,
  metadata TEXT NOT NULL,
  selector TEXT NOT NULL,
  clusters TEXT NOT NULL,
  ephemeral INTEGER NOT NULL DEFAULT 0,
  gmt_create INTEGER NOT NULL,
  gmt_modified INTEGER NOT NULL,
  PRIMARY KEY (namespace_id, group_name, service_name)
);

CREATE TABLE IF NOT EXISTS naming_instance (
  namespace_id TEXT NOT NULL,
  group_name TEXT NOT NULL,
  service_name TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  ip TEXT NOT NULL,
  port INTEGER NOT NULL,
  weight REAL NOT NULL DEFAULT 1,
  healthy INTEGER NOT NULL DEFAULT 1,
  enabled INTEGER NOT NULL DEFAULT 1,
  cluster_name TEXT NOT NULL,
  metadata TEXT NOT NULL,
  client_id TEXT NOT NULL,
  gmt_modified INTEGER NOT NULL,
  PRIMARY KEY (namespace_id, group_name, service_name, instance_id)
);
