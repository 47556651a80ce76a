-- Deleted catalog rows with the index of their deletion ("catalog changes after index N").
CREATE TABLE IF NOT EXISTS consul_catalog_tombstone (
  kind TEXT NOT NULL,
  node TEXT NOT NULL,
  id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  PRIMARY KEY (kind, node, id)
);
CREATE INDEX IF NOT EXISTS idx_consul_catalog_tombstone_idx ON consul_catalog_tombstone (idx);

CREATE INDEX IF NOT EXISTS idx_consul_catalog_modify_index ON consul_catalog (modify_index);

-- The Consul node (server) an agent service belongs to ('' = stored before this column existed).
ALTER TABLE consul_agent_service ADD COLUMN node TEXT NOT NULL DEFAULT '';
