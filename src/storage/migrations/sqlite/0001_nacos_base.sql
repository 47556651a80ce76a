-- Nacos tables (same columns as the MySQL schema) plus Batata's own metadata table.
CREATE TABLE IF NOT EXISTS config_info (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  data_id TEXT NOT NULL,
  group_id TEXT,
  content TEXT NOT NULL,
  md5 TEXT,
  gmt_create TEXT NOT NULL DEFAULT (datetime('now')),
  gmt_modified TEXT NOT NULL DEFAULT (datetime('now')),
  src_user TEXT,
  src_ip TEXT,
  app_name TEXT,
  tenant_id TEXT DEFAULT '',
  c_desc TEXT,
  c_use TEXT,
  effect TEXT,
  type TEXT,
  c_schema TEXT,
  encrypted_data_key TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS uk_configinfo_datagrouptenant ON config_info (data_id, group_id, tenant_id);

CREATE TABLE IF NOT EXISTS config_info_gray (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  data_id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  content TEXT NOT NULL,
  md5 TEXT,
  src_user TEXT,
  src_ip TEXT,
  gmt_create TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  gmt_modified TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  app_name TEXT,
  tenant_id TEXT DEFAULT '',
  gray_name TEXT NOT NULL,
  gray_rule TEXT NOT NULL,
  encrypted_data_key TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS uk_configinfogray_datagrouptenantgray ON config_info_gray (data_id, group_id, tenant_id, gray_name);
CREATE INDEX IF NOT EXISTS idx_gray_gmt_modified ON config_info_gray (gmt_modified);

CREATE TABLE IF NOT EXISTS config_tags_relation (
  id INTEGER NOT NULL,
  tag_name TEXT NOT NULL,
  tag_type TEXT,
  data_id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  tenant_id TEXT DEFAULT '',
  nid INTEGER PRIMARY KEY AUTOINCREMENT
);
CREATE UNIQUE INDEX IF NOT EXISTS uk_configtagrelation_configidtag ON config_tags_relation (id, tag_name, tag_type);
CREATE INDEX IF NOT EXISTS idx_tags_tenant_id ON config_tags_relation (tenant_id);

CREATE TABLE IF NOT EXISTS group_capacity (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id TEXT NOT NULL DEFAULT '' UNIQUE,
  quota INTEGER NOT NULL DEFAULT 0,
  usage INTEGER NOT NULL DEFAULT 0,
  max_size INTEGER NOT NULL DEFAULT 0,
  max_aggr_count INTEGER NOT NULL DEFAULT 0,
  max_aggr_size INTEGER NOT NULL DEFAULT 0,
  max_history_count INTEGER NOT NULL DEFAULT 0,
  gmt_create TEXT NOT NULL DEFAULT (datetime('now')),
  gmt_modified TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE IF NOT EXISTS tenant_capacity (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL DEFAULT '' UNIQUE,
  quota INTEGER NOT NULL DEFAULT 0,
  usage INTEGER NOT NULL DEFAULT 0,
  max_size INTEGER NOT NULL DEFAULT 0,
  max_aggr_count INTEGER NOT NULL DEFAULT 0,
  max_aggr_size INTEGER NOT NULL DEFAULT 0,
  max_history_count INTEGER NOT NULL DEFAULT 0,
  gmt_create TEXT NOT NULL DEFAULT (datetime('now')),
  gmt_modified TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE IF NOT EXISTS his_config_info (
  id INTEGER NOT NULL,
  nid INTEGER PRIMARY KEY AUTOINCREMENT,
  data_id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  app_name TEXT,
  content TEXT NOT NULL,
  md5 TEXT,
  gmt_create TEXT NOT NULL DEFAULT (datetime('now')),
  gmt_modified TEXT NOT NULL DEFAULT (datetime('now')),
  src_user TEXT,
  src_ip TEXT,
  op_type TEXT,
  tenant_id TEXT DEFAULT '',
  encrypted_data_key TEXT NOT NULL DEFAULT '',
  publish_type TEXT DEFAULT 'formal',
  gray_name TEXT,
  ext_info TEXT
);
CREATE INDEX IF NOT EXISTS idx_his_gmt_create ON his_config_info (gmt_create);
CREATE INDEX IF NOT EXISTS idx_his_gmt_modified ON his_config_info (gmt_modified);
CREATE INDEX IF NOT EXISTS idx_his_did ON his_config_info (data_id);

CREATE TABLE IF NOT EXISTS tenant_info (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kp TEXT NOT NULL,
  tenant_id TEXT DEFAULT '',
  tenant_name TEXT DEFAULT '',
  tenant_desc TEXT,
  create_source TEXT,
  gmt_create INTEGER NOT NULL,
  gmt_modified INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS uk_tenant_info_kptenantid ON tenant_info (kp, tenant_id);

CREATE TABLE IF NOT EXISTS users (
  username TEXT NOT NULL PRIMARY KEY,
  password TEXT NOT NULL,
  enabled INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS roles (
  username TEXT NOT NULL,
  role TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_user_role ON roles (username, role);

CREATE TABLE IF NOT EXISTS permissions (
  role TEXT NOT NULL,
  resource TEXT NOT NULL,
  action TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS uk_role_permission ON permissions (role, resource, action);

CREATE TABLE IF NOT EXISTS batata_meta (
  k TEXT NOT NULL PRIMARY KEY,
  v TEXT NOT NULL
);
