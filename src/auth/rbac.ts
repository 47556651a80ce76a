import type { PermissionRecord } from './auth-model';

/** Resource types rendered into `namespace:group:type/name` (spec §E.5). */
export type ResourceType = 'config' | 'naming' | 'kv' | 'session' | 'agent';

/**
 * Nacos `joinResource`: blank namespace ⇒ `public`, blank group ⇒ `*`, blank name ⇒ `type/*`.
 * @example renderResource('config', {group: 'DEFAULT_GROUP', name: 'app.yaml'}) // 'public:DEFAULT_GROUP:config/app.yaml'
 */
export function renderResource(
  type: ResourceType,
  ref: { namespaceId?: string; group?: string; name?: string },
): string {
  const ns = ref.namespaceId?.trim() || 'public';
  const group = ref.group?.trim() || '*';
  const name = ref.name?.trim() || '*';
  return `${ns}:${group}:${type}/${name}`;
}

const compiled = new Map<string, RegExp>();

/**
 * Compiles a stored permission pattern. `*` matches anything; a leading `:` means the `public`
 * namespace (Nacos prepends it). Unlike Nacos, every other character is literal: Nacos feeds the
 * pattern to `Pattern.matches`, so a `.` in `app.yaml` would match any character there.
 */
export function patternFor(resource: string): RegExp {
  let re = compiled.get(resource);
  if (!re) {
    const p = resource.startsWith(':') ? `public${resource}` : resource;
    re = new RegExp(`^${p.split('*').map(escapeRegex).join('.*')}$`, 's');
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(resource, re);
  }
  return re;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether one of the permissions grants `action` (`r` or `w`) on the rendered resource. */
export function grants(perms: Iterable<PermissionRecord>, rendered: string, action: 'r' | 'w'): boolean {
  for (const p of perms) if (p.action.includes(action) && patternFor(p.resource).test(rendered)) return true;
  return false;
}

export function isValidAction(a: string): boolean {
  return a === 'r' || a === 'w' || a === 'rw';
}
