import { InvalidArgument } from '../core/errors';

/** Default main port of a member listed without one (Nacos: 8848). */
export const DEFAULT_MEMBER_PORT = 8848;

/**
 * Parses a member list as found in `cluster.conf`, an address-server reply or `cluster.members`:
 * addresses separated by newlines, commas or whitespace; `#` starts a comment; `ip` alone means
 * port 8848. Returns normalised `ip:port` strings, de-duplicated, in input order. Throws
 * InvalidArgument naming the bad entry.
 */
export function parseMemberList(text: string): string[] {
  const out: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/#.*$/, '').trim();
    if (!line) continue;
    for (const item of line.split(/[\s,]+/)) {
      if (!item) continue;
      const addr = normalizeAddress(item);
      if (!out.includes(addr)) out.push(addr);
    }
  }
  return out;
}

/** `host[:port]` → `host:port`; throws InvalidArgument for anything else. */
export function normalizeAddress(item: string): string {
  const m = /^([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(item.trim());
  if (!m) throw new InvalidArgument(`invalid member address "${item}": expected ip:port`);
  const port = m[2] === undefined ? DEFAULT_MEMBER_PORT : Number(m[2]);
  if (port < 1 || port > 65535) throw new InvalidArgument(`invalid member address "${item}": bad port`);
  return `${m[1]}:${port}`;
}

export function splitAddress(address: string): { ip: string; port: number } {
  const i = address.lastIndexOf(':');
  return { ip: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/** Renders a member list in cluster.conf format. */
export function renderClusterConf(addresses: string[], header = ''): string {
  return `${header ? `# ${header}\n` : ''}${addresses.join('\n')}\n`;
}
