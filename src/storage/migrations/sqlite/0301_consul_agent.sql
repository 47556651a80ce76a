-- Services registered through the Consul agent API, re-registered at boot (a Consul agent keeps
-- its services across restarts). Body = the decoded service definition with its checks (JSON).
CREATE TABLE IF NOT EXISTS consul_agent_service (
  id TEXT NOT NULL PRIMARY KEY,
  body TEXT NOT NULL
);
