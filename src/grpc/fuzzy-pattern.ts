/**
 * Fuzzy-watch patterns and resource keys of Nacos 3.x (common/…/utils/FuzzyGroupKeyPattern.java,
 * GroupKey2, NamingUtils.getServiceKey). Pure functions shared by the config and naming handlers.
 */

export const PATTERN_SPLITTER = '>>';

/** `namespace>>group>>name`, blank namespace ⇒ `public`. */
export function fuzzyPattern(namespaceId: string, groupPattern: string, namePattern: string): string {
  return [namespaceId || 'public', groupPattern, namePattern].join(PATTERN_SPLITTER);
}

/** Nacos matching: exact, `*`, `*x*` (contains), `*x` (suffix), `x*` (prefix); namespace exact. */
export function matchesPattern(pattern: string, namespaceId: string, group: string, name: string): boolean {
  const [ns, g, n] = pattern.split(PATTERN_SPLITTER);
  if (n === undefined) return false;
  return ns === (namespaceId || 'public') && itemMatches(g!, group) && itemMatches(n, name);
}

function itemMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  if (pattern === '*') return true;
  const pure = pattern.replaceAll('*', '');
  if (pattern.startsWith('*') && pattern.endsWith('*')) return value.includes(pure);
  if (pattern.startsWith('*')) return value.endsWith(pure);
  if (pattern.endsWith('*')) return value.startsWith(pure);
  return false;
}

/** Namespace part of a pattern. */
export function patternNamespace(pattern: string): string {
  return pattern.split(PATTERN_SPLITTER)[0] ?? '';
}

const escapeKeyPart = (s: string) => s.replaceAll('%', '%25').replaceAll('+', '%2B');
const unescapeKeyPart = (s: string) => s.replaceAll('%2B', '+').replaceAll('%25', '%');

/** Config groupKey (GroupKey2): `dataId+group[+tenant]` with `%`/`+` escaped; tenant omitted when empty. */
export function configGroupKey(dataId: string, group: string, tenant = ''): string {
  const base = `${escapeKeyPart(dataId)}+${escapeKeyPart(group)}`;
  return tenant ? `${base}+${escapeKeyPart(tenant)}` : base;
}

/** Inverse of `configGroupKey`. */
export function parseConfigGroupKey(key: string): { dataId: string; group: string; tenant: string } {
  const [d = '', g = '', t = ''] = key.split('+');
  return { dataId: unescapeKeyPart(d), group: unescapeKeyPart(g), tenant: unescapeKeyPart(t) };
}

/** Naming service key: `namespace@@group@@service`, blank namespace ⇒ `public`. */
export function namingServiceKey(namespaceId: string, group: string, service: string): string {
  return `${namespaceId || 'public'}@@${group}@@${service}`;
}
