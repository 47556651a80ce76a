import type { ConfigItem, ConfigKey, GrayItem, HistoryEntry } from './config-model';

/** A history row to append with a write (nid/createTime assigned by the repo/DB). */
export type HistoryInput = Omit<HistoryEntry, 'nid'>;

export interface StoredConfig {
  key: ConfigKey;
  item: ConfigItem;
}
export interface StoredGray {
  key: ConfigKey;
  item: GrayItem;
}

/** One publish inside a group commit (`saveBatch`). */
export type SaveOp =
  | {
      kind: 'formal';
      key: ConfigKey;
      item: ConfigItem;
      history: HistoryInput;
      /** Index of an earlier op in the same batch that inserts this config: reuse its id. */
      sameAs?: number;
      /** The stored tags already equal `item.tags` (update): skip rewriting config_tags_relation. */
      tagsUnchanged?: boolean;
    }
  | { kind: 'gray'; key: ConfigKey; item: GrayItem; history: HistoryInput };

export interface HistoryQuery {
  key: ConfigKey;
  pageNo: number;
  pageSize: number;
}

/**
 * Durable storage of configs over the Nacos tables (`config_info`, `config_info_gray`,
 * `his_config_info`, `config_tags_relation`).
 *
 * Contract:
 * - Every write method stores the config change and its history row atomically (one transaction):
 *   after it resolves both are durable; if it throws, neither is.
 * - The default namespace is written with tenant_id '' and read back from '' and 'public' rows.
 * - Reads (`loadAll`) are for boot only; request reads are served from the shared state.
 */
export interface ConfigRepo {
  loadAll(): Promise<{ configs: StoredConfig[]; grays: StoredGray[] }>;
  /** Inserts (`item.id` 0) or updates (by id) the formal config, its tags and a history row; returns the id. */
  saveFormal(key: ConfigKey, item: ConfigItem, history: HistoryInput): Promise<number>;
  /** Applies several saves in ONE transaction (group commit), in order; returns their ids. */
  saveBatch(ops: SaveOp[]): Promise<number[]>;
  deleteFormal(key: ConfigKey, id: number, history: HistoryInput): Promise<void>;
  /** Inserts or updates one gray version (by key + grayName) plus a history row; returns its id. */
  saveGray(key: ConfigKey, item: GrayItem, history: HistoryInput): Promise<number>;
  deleteGray(key: ConfigKey, grayName: string, history: HistoryInput): Promise<void>;
  /** History of one config, newest first, with the total count. */
  listHistory(q: HistoryQuery): Promise<{ total: number; items: HistoryEntry[] }>;
  getHistory(nid: number): Promise<HistoryEntry | undefined>;
  /** Latest history entry of config `id` whose nid is below `beforeNid` (or the latest if absent). */
  previousHistory(id: number, beforeNid?: number): Promise<HistoryEntry | undefined>;
  /** Deletes history rows modified before `time` (epoch ms); returns how many. */
  deleteHistoryBefore(time: number, limit: number): Promise<number>;
}
