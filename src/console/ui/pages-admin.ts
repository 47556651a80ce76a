import { call, ns } from './api';
import {
  button,
  clear,
  confirmDialog,
  field,
  formDialog,
  h,
  input,
  pager,
  select,
  table,
  toast,
} from './dom';
import type { NamespaceInfo, PageCtx } from './main';
import { go } from './nav';

const PAGE_SIZE = 20;

/** `formDialog` from [label, control] pairs. */
function pairsDialog(
  title: string,
  pairs: Array<[string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement]>,
  submit: () => Promise<unknown>,
  after?: () => void,
) {
  formDialog(
    title,
    pairs.map(([label, control]) => field(label, control)),
    submit,
    after,
  );
}

const refresh = (path: string) => () => go(path, { t: String(Date.now()) });

export async function namespacesPage(ctx: PageCtx) {
  const { root } = ctx;
  const list = await call<NamespaceInfo[]>('GET', '/v3/console/core/namespace/list');
  const rows = list.map((n) => [
    n.namespaceShowName,
    h('code', null, n.namespace || 'public'),
    n.namespaceDesc ?? '',
    String(n.configCount ?? 0),
    n.namespace === 'public' || !n.namespace
      ? h('span', { class: 'muted' }, 'default')
      : h(
          'span',
          { class: 'row-actions' },
          button(
            'Use',
            () => {
              ns.set(n.namespace);
              go('configs');
            },
            { class: 'link' },
          ),
          button(
            'Edit',
            () => {
              const name = input({ name: 'namespaceName', value: n.namespaceShowName, required: true });
              const desc = input({ name: 'namespaceDesc', value: n.namespaceDesc ?? '' });
              pairsDialog(
                `Edit ${n.namespace}`,
                [
                  ['Name', name],
                  ['Description', desc],
                ],
                () =>
                  call('PUT', '/v3/console/core/namespace', {
                    namespaceId: n.namespace,
                    namespaceName: name.value,
                    namespaceDesc: desc.value,
                  }),
                refresh('namespaces'),
              );
            },
            { class: 'link' },
          ),
          button(
            'Delete',
            async () => {
              if (
                !(await confirmDialog(
                  'Delete namespace',
                  `Delete namespace ${n.namespaceShowName} (${n.namespace})?`,
                  'Delete',
                ))
              )
                return;
              try {
                await call('DELETE', '/v3/console/core/namespace', { namespaceId: n.namespace });
                if (ns.id === n.namespace) ns.set('');
                toast(`Deleted ${n.namespace}`);
                refresh('namespaces')();
              } catch (e) {
                ctx.fail(e);
              }
            },
            { class: 'link danger' },
          ),
        ),
  ]);
  clear(
    root,
    h('h1', null, 'Namespaces'),
    h(
      'div',
      { class: 'actions' },
      button(
        'Create namespace',
        () => {
          const id = input({
            name: 'namespaceId',
            placeholder: 'generated when empty',
            pattern: '[\\w\\-]*',
          });
          const name = input({ name: 'namespaceName', required: true });
          const desc = input({ name: 'namespaceDesc' });
          pairsDialog(
            'Create namespace',
            [
              ['ID', id],
              ['Name', name],
              ['Description', desc],
            ],
            async () => {
              await call('POST', '/v3/console/core/namespace', {
                namespaceId: id.value.trim() || undefined,
                namespaceName: name.value.trim(),
                namespaceDesc: desc.value,
              });
              toast(`Created ${name.value}`);
            },
            refresh('namespaces'),
          );
        },
        { class: 'primary' },
      ),
    ),
    table(['Name', 'ID', 'Description', 'Configs', 'Actions'], rows, { 'aria-label': 'Namespaces' }),
  );
}

async function pagedList(path: string, params: Record<string, string | number>) {
  const data = await call<any>('GET', path, { pageNo: 1, pageSize: PAGE_SIZE, ...params });
  const items: any[] = Array.isArray(data) ? data : (data?.pageItems ?? []);
  return { items, total: data?.totalCount ?? items.length };
}

export async function usersPage(ctx: PageCtx) {
  const { root, q } = ctx;
  const page = Number(q.get('page') ?? 1) || 1;
  const { items, total } = await pagedList('/v3/auth/user/list', {
    pageNo: page,
    search: 'blur',
    username: q.get('username') ?? '',
  });
  const rows = items.map((u) => [
    u.username,
    h(
      'span',
      { class: 'row-actions' },
      button(
        'Change password',
        () => {
          const pw = input({
            type: 'password',
            autocomplete: 'new-password',
            required: true,
            minlength: '1',
          });
          pairsDialog(`Password of ${u.username}`, [['New password', pw]], async () => {
            await call('PUT', '/v3/auth/user', { username: u.username, newPassword: pw.value });
            toast('Password changed');
          });
        },
        { class: 'link' },
      ),
      button(
        'Delete',
        async () => {
          if (!(await confirmDialog('Delete user', `Delete user ${u.username}?`, 'Delete'))) return;
          try {
            await call('DELETE', '/v3/auth/user', { username: u.username });
            refresh('users')();
          } catch (e) {
            ctx.fail(e);
          }
        },
        { class: 'link danger' },
      ),
    ),
  ]);
  clear(
    root,
    h('h1', null, 'Users'),
    h(
      'div',
      { class: 'actions' },
      button(
        'Create user',
        () => {
          const name = input({ name: 'username', required: true, autocomplete: 'off' });
          const pw = input({
            name: 'password',
            type: 'password',
            required: true,
            autocomplete: 'new-password',
          });
          pairsDialog(
            'Create user',
            [
              ['User name', name],
              ['Password', pw],
            ],
            async () => {
              await call('POST', '/v3/auth/user', { username: name.value.trim(), password: pw.value });
              toast(`Created ${name.value}`);
            },
            refresh('users'),
          );
        },
        { class: 'primary' },
      ),
    ),
    table(['User', 'Actions'], rows, { 'aria-label': 'Users' }),
    pager(page, total, PAGE_SIZE, (p) => go('users', { page: String(p) })),
  );
}

export async function rolesPage(ctx: PageCtx) {
  const { root, q } = ctx;
  const page = Number(q.get('page') ?? 1) || 1;
  const { items, total } = await pagedList('/v3/auth/role/list', { pageNo: page, search: 'blur' });
  const rows = items.map((r) => [
    r.role,
    r.username,
    button(
      'Unbind',
      async () => {
        if (!(await confirmDialog('Remove role', `Remove role ${r.role} from ${r.username}?`, 'Remove')))
          return;
        try {
          await call('DELETE', '/v3/auth/role', { role: r.role, username: r.username });
          refresh('roles')();
        } catch (e) {
          ctx.fail(e);
        }
      },
      { class: 'link danger' },
    ),
  ]);
  clear(
    root,
    h('h1', null, 'Roles'),
    h(
      'div',
      { class: 'actions' },
      button(
        'Bind role',
        () => {
          const role = input({ name: 'role', required: true });
          const user = input({ name: 'username', required: true });
          pairsDialog(
            'Bind a role to a user',
            [
              ['Role', role],
              ['User name', user],
            ],
            async () => {
              await call('POST', '/v3/auth/role', { role: role.value.trim(), username: user.value.trim() });
              toast(`Bound ${role.value} to ${user.value}`);
            },
            refresh('roles'),
          );
        },
        { class: 'primary' },
      ),
    ),
    table(['Role', 'User', 'Actions'], rows, { 'aria-label': 'Roles' }),
    pager(page, total, PAGE_SIZE, (p) => go('roles', { page: String(p) })),
  );
}

export async function permissionsPage(ctx: PageCtx) {
  const { root, q } = ctx;
  const page = Number(q.get('page') ?? 1) || 1;
  const { items, total } = await pagedList('/v3/auth/permission/list', { pageNo: page, search: 'blur' });
  const ACTIONS: Record<string, string> = { r: 'read', w: 'write', rw: 'read & write' };
  const rows = items.map((p) => [
    p.role,
    h('code', null, p.resource),
    ACTIONS[p.action] ?? p.action,
    button(
      'Delete',
      async () => {
        if (
          !(await confirmDialog(
            'Delete permission',
            `Delete ${p.action} on ${p.resource} for ${p.role}?`,
            'Delete',
          ))
        )
          return;
        try {
          await call('DELETE', '/v3/auth/permission', {
            role: p.role,
            resource: p.resource,
            action: p.action,
          });
          refresh('permissions')();
        } catch (e) {
          ctx.fail(e);
        }
      },
      { class: 'link danger' },
    ),
  ]);
  clear(
    root,
    h('h1', null, 'Permissions'),
    h(
      'div',
      { class: 'actions' },
      button(
        'Add permission',
        () => {
          const role = input({ name: 'role', required: true });
          const resource = input({ name: 'resource', required: true, value: `${ns.id || 'public'}:*:*` });
          const action = select(
            [
              ['r', 'read'],
              ['w', 'write'],
              ['rw', 'read & write'],
            ],
            'r',
          );
          pairsDialog(
            'Add permission',
            [
              ['Role', role],
              ['Resource (namespace:group:type/name)', resource],
              ['Action', action],
            ],
            async () => {
              await call('POST', '/v3/auth/permission', {
                role: role.value.trim(),
                resource: resource.value.trim(),
                action: action.value,
              });
              toast('Permission added');
            },
            refresh('permissions'),
          );
        },
        { class: 'primary' },
      ),
    ),
    table(['Role', 'Resource', 'Action', ''], rows, { 'aria-label': 'Permissions' }),
    pager(page, total, PAGE_SIZE, (p) => go('permissions', { page: String(p) })),
  );
}

export async function clusterPage(ctx: PageCtx) {
  const nodes = await call<any[]>('GET', '/v3/console/core/cluster/nodes');
  clear(
    ctx.root,
    h('h1', null, 'Cluster nodes'),
    table(
      ['Address', 'State', 'Version', 'Last refresh'],
      nodes.map((n) => [
        n.address,
        h('span', { class: n.state === 'UP' ? 'good' : 'warn' }, n.state),
        String(n.extendInfo?.version ?? ''),
        n.extendInfo?.lastRefreshTime ? new Date(n.extendInfo.lastRefreshTime).toLocaleString() : '',
      ]),
      { 'aria-label': 'Cluster nodes' },
    ),
  );
}
