-- Consul index (one row): the index of the last committed Consul write; every Consul write reads
-- and advances it in its transaction. `reaped`: tombstones up to this index are gone.
CREATE TABLE IF NOT EXISTS consul_index (
  id INTEGER NOT NULL PRIMARY KEY,
  idx INTEGER NOT NULL DEFAULT 0,
  reaped INTEGER NOT NULL DEFAULT 0
);

INSERT OR IGNORE INTO consul_index (id, idx, reaped) VALUES (1, 0, 0);

-- Deleted KV keys and sessions with the index of their deletion ("everything changed after N").
CREATE TABLE IF NOT EXISTS consul_kv_tombstone (
  k TEXT NOT NULL PRIMARY KEY,
  idx INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_consul_kv_tombstone_idx ON consul_kv_tombstone (idx);

CREATE TABLE IF NOT EXISTS consul_session_tombstone (
  id TEXT NOT NULL PRIMARY KEY,
  idx INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_consul_session_tombstone_idx ON consul_session_tombstone (idx);

CREATE INDEX IF NOT EXISTS idx_consul_kv_modify_index ON consul_kv (modify_index);

CREATE INDEX IF NOT EXISTS idx_consul_session_modify_index ON consul_session (modify_index);

-- Last renewal of a TTL session (epoch ms, NULL = never renewed).
ALTER TABLE consul_session ADD COLUMN renewed_at INTEGER;
