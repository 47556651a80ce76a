-- Consul catalog state that is not an agent service: nodes registered through /v1/catalog/register
-- or txn (kind 'node', id ''), their services ('service', body = service definition) and checks
-- ('check', body = check entry, catalog or standalone agent checks). Reloaded at boot.
CREATE TABLE IF NOT EXISTS consul_catalog (
  kind TEXT NOT NULL,
  node TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  create_index INTEGER NOT NULL,
  modify_index INTEGER NOT NULL,
  PRIMARY KEY (kind, node, id)
);
