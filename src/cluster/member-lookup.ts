import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../core/log';
import { parseMemberList, renderClusterConf } from './member-list';

/**
 * Where the member list comes from (Nacos MemberLookup). `start` delivers the first list before
 * it resolves and later lists whenever the source changes; `save` persists an operator change
 * (join/leave) where the source allows it.
 */
export interface MemberLookup {
  readonly type: 'standalone' | 'static' | 'file' | 'address-server';
  start(onList: (addresses: string[]) => void): Promise<void>;
  /** Persists a new list (file: rewrites cluster.conf). Returns false when only kept in memory. */
  save(addresses: string[]): boolean;
  stop(): void;
}

/** Only this node. */
export class StandaloneLookup implements MemberLookup {
  readonly type = 'standalone' as const;
  constructor(private readonly self: string) {}
  async start(onList: (a: string[]) => void) {
    onList([this.self]);
  }
  save() {
    return false;
  }
  stop() {}
}

/** `cluster.members` from settings; join/leave changes are kept in memory. */
export class StaticLookup implements MemberLookup {
  readonly type = 'static' as const;
  constructor(private readonly members: string[]) {}
  async start(onList: (a: string[]) => void) {
    onList(this.members);
  }
  save() {
    return false;
  }
  stop() {}
}

/**
 * `cluster.conf`: one `ip[:port]` per line, `#` comments. Polled for changes; a missing file
 * falls back to `fallback` (cluster.members), so a fresh node can start and wait for a join.
 * An unparseable file keeps the last good list and logs why.
 */
export class FileLookup implements MemberLookup {
  readonly type = 'file' as const;
  private timer?: ReturnType<typeof setInterval>;
  private lastText: string | undefined = undefined;

  constructor(
    readonly path: string,
    private readonly fallback: string[],
    private readonly pollMs: number,
    private readonly log: Logger,
  ) {}

  async start(onList: (a: string[]) => void) {
    const read = () => {
      const text = existsSync(this.path) ? readFileSync(this.path, 'utf8') : null;
      const key = text ?? '\0missing';
      if (key === this.lastText) return;
      this.lastText = key;
      if (text === null) {
        if (!this.fallback.length)
          this.log.warn('cluster.conf not found; running as a single member until one joins', {
            path: this.path,
          });
        onList(this.fallback);
        return;
      }
      try {
        onList(parseMemberList(text));
      } catch (e) {
        this.log.error('cluster.conf is invalid; keeping the previous member list', {
          path: this.path,
          err: (e as Error).message,
        });
      }
    };
    read();
    this.timer = setInterval(read, Math.min(this.pollMs, 1000));
    this.timer.unref?.();
  }

  save(addresses: string[]) {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const text = renderClusterConf(addresses, `written by batata at ${new Date().toISOString()}`);
    writeFileSync(tmp, text);
    renameSync(tmp, this.path);
    return true;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }
}

/**
 * Address server: GET `url` returns the member list (one address per line), polled. A failed
 * poll keeps the last list.
 */
export class AddressServerLookup implements MemberLookup {
  readonly type = 'address-server' as const;
  private timer?: ReturnType<typeof setInterval>;
  private last = '';

  constructor(
    private readonly url: string,
    private readonly self: string,
    private readonly pollMs: number,
    private readonly log: Logger,
  ) {}

  async start(onList: (a: string[]) => void) {
    const poll = async () => {
      try {
        const res = await fetch(this.url, { signal: AbortSignal.timeout(3000) });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        const list = parseMemberList(await res.text());
        const key = list.join(',');
        if (key !== this.last) {
          this.last = key;
          onList(list);
        }
      } catch (e) {
        this.log.warn('address server poll failed; keeping the member list', {
          url: this.url,
          err: (e as Error).message,
        });
        if (!this.last) {
          this.last = '\0self';
          onList([this.self]);
        }
      }
    };
    await poll();
    this.timer = setInterval(() => void poll(), this.pollMs);
    this.timer.unref?.();
  }

  save() {
    return false;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
  }
}
