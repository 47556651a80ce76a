import { ApiError, call, hooks, ns, session } from './api';
import { button, clear, field, h, input, toast } from './dom';
import { go } from './nav';
import { clusterPage, namespacesPage, permissionsPage, rolesPage, usersPage } from './pages-admin';
import { configEditPage, configListPage, historyPage } from './pages-config';
import { serviceDetailPage, servicesPage } from './pages-naming';

/** What a page gets: the route's query and a way to redraw itself. */
export interface PageCtx {
  q: URLSearchParams;
  namespaces: NamespaceInfo[];
  root: HTMLElement;
  /** Shows a failed call as an error toast (auth failures go to the login page). */
  fail(e: unknown): void;
}

export interface NamespaceInfo {
  namespace: string;
  namespaceShowName: string;
  namespaceDesc?: string;
  configCount?: number;
  quota?: number;
  type?: number;
}

type Page = (ctx: PageCtx) => Promise<void> | void;

const ROUTES: Record<string, { title: string; page: Page; nav?: string }> = {
  configs: { title: 'Configurations', page: configListPage, nav: 'Configurations' },
  'config-edit': { title: 'Edit configuration', page: configEditPage },
  history: { title: 'History', page: historyPage, nav: 'History' },
  services: { title: 'Services', page: servicesPage, nav: 'Services' },
  service: { title: 'Service detail', page: serviceDetailPage },
  namespaces: { title: 'Namespaces', page: namespacesPage, nav: 'Namespaces' },
  users: { title: 'Users', page: usersPage, nav: 'Users' },
  roles: { title: 'Roles', page: rolesPage, nav: 'Roles' },
  permissions: { title: 'Permissions', page: permissionsPage, nav: 'Permissions' },
  cluster: { title: 'Cluster nodes', page: clusterPage, nav: 'Cluster' },
};

const app = document.getElementById('app')!;
let authEnabled = false;
let version = '';

/** `#/configs?dataId=x` → ['configs', query]. */
function parseHash(): [string, URLSearchParams] {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?');
  return [path || 'configs', new URLSearchParams(query)];
}

function fail(e: unknown) {
  if (e instanceof ApiError && e.authProblem && authEnabled) return;
  toast(e instanceof Error ? e.message : String(e), 'error');
}

/** Namespaces for the switcher. Users without the namespace permission still get `public` and the current one. */
async function loadNamespaces(): Promise<NamespaceInfo[]> {
  try {
    return await call<NamespaceInfo[]>('GET', '/v3/console/core/namespace/list', {}, { quiet: true });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403)) fail(e);
    else if (e.authProblem) hooks.onAuthRequired(e);
    const list = [{ namespace: 'public', namespaceShowName: 'public' }];
    if (ns.id) list.push({ namespace: ns.id, namespaceShowName: ns.id });
    return list;
  }
}

function loginPage(message?: string) {
  document.title = 'Log in · Batata';
  const user = input({ name: 'username', autocomplete: 'username', required: true });
  const pass = input({
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const err = h('p', { class: 'form-error', role: 'alert' }, message ?? '');
  const form = h(
    'form',
    {
      class: 'login card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        err.textContent = '';
        try {
          const r = await call<{ accessToken: string; username: string }>(
            'POST',
            '/v3/auth/user/login',
            {
              username: user.value,
              password: pass.value,
            },
            { quiet: true },
          );
          session.set(r.accessToken, r.username ?? user.value);
          go('configs');
        } catch (ex) {
          err.textContent =
            ex instanceof ApiError && ex.status === 403
              ? 'Wrong user name or password.'
              : (ex as Error).message;
          pass.select();
        }
      },
    },
    h('h1', null, 'Batata console'),
    field('User name', user),
    field('Password', pass),
    err,
    h('button', { type: 'submit', class: 'primary' }, 'Log in'),
  );
  clear(app, h('main', { class: 'login-wrap' }, form));
  user.focus();
}

function shell(current: string, namespaces: NamespaceInfo[]): HTMLElement {
  const nsSelect = h(
    'select',
    {
      id: 'ns-switch',
      onchange: (e: Event) => {
        ns.set((e.target as HTMLSelectElement).value);
        void render();
      },
    },
    namespaces.map((n) =>
      h(
        'option',
        {
          value: n.namespace === 'public' ? '' : n.namespace,
          selected: (n.namespace === 'public' ? '' : n.namespace) === ns.id,
        },
        n.namespace === 'public' || !n.namespace ? 'public' : `${n.namespaceShowName} (${n.namespace})`,
      ),
    ),
  );
  const main = h('main', { id: 'main', tabindex: '-1' });
  const navItems = Object.entries(ROUTES).filter(([, r]) => r.nav);
  return h(
    'div',
    { class: 'layout' },
    h('a', { href: '#main', class: 'skip' }, 'Skip to content'),
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'Batata', h('small', null, version ? ` ${version}` : '')),
      h('div', { class: 'ns' }, h('label', { for: 'ns-switch' }, 'Namespace'), nsSelect),
      authEnabled && session.user
        ? h(
            'div',
            { class: 'user' },
            h('span', null, session.user),
            button('Log out', () => {
              session.clear();
              loginPage('You are logged out.');
            }),
          )
        : null,
    ),
    h(
      'nav',
      { class: 'side', 'aria-label': 'Main' },
      h(
        'ul',
        null,
        navItems.map(([path, r]) =>
          h(
            'li',
            null,
            h('a', { href: `#/${path}`, 'aria-current': path === current ? 'page' : undefined }, r.nav!),
          ),
        ),
      ),
    ),
    main,
  );
}

let renderSeq = 0;
async function render() {
  const seq = ++renderSeq;
  const [path, q] = parseHash();
  if (authEnabled && !session.token) return loginPage();
  const route = ROUTES[path] ?? ROUTES.configs!;
  const namespaces = await loadNamespaces();
  if (seq !== renderSeq) return;
  if (authEnabled && !session.token) return loginPage();
  if (ns.id && !namespaces.some((n) => n.namespace === ns.id)) ns.set('');
  const layout = shell(path, namespaces);
  clear(app, layout);
  const main = layout.querySelector<HTMLElement>('#main')!;
  document.title = `${route.title} · Batata`;
  for (const t of document.querySelectorAll('#toasts .toast.error')) t.remove();
  try {
    await route.page({ q, namespaces, root: main, fail });
  } catch (e) {
    if (e instanceof ApiError && e.authProblem && authEnabled) return;
    // A page that cannot load says why in place of its content.
    const denied = e instanceof ApiError && e.status === 403;
    clear(
      main,
      h('h1', null, route.title),
      h(
        'div',
        { class: 'page-error', role: 'alert' },
        h(
          'strong',
          null,
          denied ? 'You do not have permission to see this page.' : 'This page could not be loaded.',
        ),
        h('p', null, e instanceof Error ? e.message : String(e)),
        button('Retry', () => void render()),
      ),
    );
  }
}

async function boot() {
  hooks.onAuthRequired = (e) => {
    if (!authEnabled) return;
    session.clear();
    loginPage(`Please log in again (${e.message}).`);
  };
  try {
    const state = await call<Record<string, string>>('GET', '/v3/console/server/state');
    authEnabled = state.auth_enabled === 'true' || state.login_page_enabled === 'true';
    version = state.version ?? '';
  } catch (e) {
    toast(`Cannot read the server state: ${(e as Error).message}`, 'error');
  }
  window.addEventListener('hashchange', () => void render());
  await render();
  // Milliseconds from navigation start to a usable first page (checked by the browser tests).
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = 'true';
}

void boot();
