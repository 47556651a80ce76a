-- Consul KV and sessions. Indexes are Batata's state indexes (Consul CreateIndex/ModifyIndex),
-- stored so that CAS and lock indexes survive restarts. Flags are uint64 kept as decimal text.
CREATE TABLE IF NOT EXISTS consul_kv (
  k TEXT NOT NULL PRIMARY KEY,
  v BLOB,
  flags TEXT NOT NULL DEFAULT '0',
  lock_index INTEGER NOT NULL DEFAULT 0,
  session TEXT,
  create_index INTEGER NOT NULL,
  modify_index INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS consul_session (
  id TEXT NOT NULL PRIMARY KEY,
  node TEXT NOT NULL,
  body TEXT NOT NULL,
  create_index INTEGER NOT NULL,
  modify_index INTEGER NOT NULL
);
