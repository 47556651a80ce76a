/** Navigates to `#/path?params`; re-renders when already there. */
export function go(path: string, params: Record<string, string> = {}) {
  const q = new URLSearchParams(params).toString();
  const target = `#/${path}${q ? `?${q}` : ''}`;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}
