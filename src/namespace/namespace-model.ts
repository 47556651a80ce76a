/** The default namespace id (3.x and naming: `public`; 2.x config stores it as ''). */
export const DEFAULT_NAMESPACE_ID = 'public';
export const DEFAULT_NAMESPACE_NAME = 'public';
export const DEFAULT_NAMESPACE_DESC = 'Default Namespace';
export const NAMESPACE_QUOTA = 200;
export const NAMESPACE_ID_MAX_LENGTH = 128;

export interface NamespaceRecord {
  namespaceId: string;
  name: string;
  desc: string;
  createTime: number;
  modifyTime: number;
}

/** What APIs show: the record plus usage details from other domains. */
export interface NamespaceView {
  namespaceId: string;
  name: string;
  desc: string;
  quota: number;
  configCount: number;
  /** 0 = global (the default namespace), 1 = custom. */
  type: 0 | 1;
}

const ID_PATTERN = /^[\w-]+$/;
const NAME_ILLEGAL = /[@#$%^&*]/;

/** `null` when valid, else the reason (Nacos' wording). */
export function namespaceIdProblem(id: string): string | null {
  if (!ID_PATTERN.test(id)) return `namespaceId [${id}] mismatch the pattern`;
  if (id.length > NAMESPACE_ID_MAX_LENGTH) return `too long namespaceId, over ${NAMESPACE_ID_MAX_LENGTH}`;
  return null;
}

export function namespaceNameProblem(name: string): string | null {
  if (!name || NAME_ILLEGAL.test(name)) return `namespaceName [${name}] contains illegal char`;
  if (name.length > 128) return 'too long namespaceName, over 128';
  return null;
}

/** Blank and `public` (any case) denote the default namespace, as both 2.x and 3.x clients send it. */
export function isDefaultNamespace(id: string | undefined | null): boolean {
  return !id || id.trim() === '' || id.trim().toLowerCase() === DEFAULT_NAMESPACE_ID;
}

/** Normalises a wire namespace (`tenant`, `namespaceId`) to the internal id: blank → `public`. */
export function normalizeNamespaceId(id: string | undefined | null): string {
  return isDefaultNamespace(id) ? DEFAULT_NAMESPACE_ID : id!.trim();
}
