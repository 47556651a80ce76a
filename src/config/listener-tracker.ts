import { type ConfigKey, configStateKey, wireTenant } from './config-model';

/** `GroupKey2.getKey`: `dataId+group[+tenant]` with `+` → `%2B` and `%` → `%25` in each part. */
export function groupKey(k: ConfigKey): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\+/g, '%2B');
  const t = wireTenant(k.namespaceId);
  return `${esc(k.dataId)}+${esc(k.group)}${t ? `+${esc(t)}` : ''}`;
}

/**
 * Who listens to which config right now (HTTP long polls while held; gRPC listeners may register
 * too), for the listener-status APIs. Entries are counted, so the same client listening twice is
 * removed only when both end.
 */
export class ListenerTracker {
  private readonly byKey = new Map<string, Map<string, { md5: string; n: number; key: ConfigKey }>>();

  add(key: ConfigKey, clientIp: string, md5: string): void {
    const sk = configStateKey(key);
    let m = this.byKey.get(sk);
    if (!m) this.byKey.set(sk, (m = new Map()));
    const cur = m.get(clientIp);
    m.set(clientIp, { md5, n: (cur?.n ?? 0) + 1, key });
  }

  remove(key: ConfigKey, clientIp: string): void {
    const sk = configStateKey(key);
    const m = this.byKey.get(sk);
    const cur = m?.get(clientIp);
    if (!m || !cur) return;
    if (cur.n > 1) cur.n--;
    else m.delete(clientIp);
    if (!m.size) this.byKey.delete(sk);
  }

  /** client IP → md5 it holds, for one config. */
  ofConfig(key: ConfigKey): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [ip, v] of this.byKey.get(configStateKey(key)) ?? []) out[ip] = v.md5;
    return out;
  }

  /** groupKey → md5, for one client IP. */
  ofIp(ip: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of this.byKey.values()) {
      const v = m.get(ip);
      if (v) out[groupKey(v.key)] = v.md5;
    }
    return out;
  }
}
