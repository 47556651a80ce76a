import { ApiError, call, ns, session } from './api';
import { diffView } from './diff';
import {
  button,
  clear,
  confirmDialog,
  field,
  fmtTime,
  h,
  input,
  modal,
  pager,
  searchForm,
  select,
  table,
  toast,
} from './dom';
import { codeEditor } from './editor';
import { CONFIG_TYPES } from './highlight';
import type { PageCtx } from './main';
import { go } from './nav';

interface ConfigRow {
  id: number | string;
  dataId: string;
  groupName?: string;
  group?: string;
  namespaceId?: string;
  tenant?: string;
  type?: string;
  appName?: string;
  modifyTime?: number;
  md5?: string;
}

interface ConfigDetail extends ConfigRow {
  content: string;
  desc?: string;
  configTags?: string;
}

/** Recorded as the author in history (Nacos takes it from the login; the form field is the fallback). */
const srcUser = () => session.user || undefined;
const groupOf = (r: { groupName?: string; group?: string }) => r.groupName ?? r.group ?? 'DEFAULT_GROUP';
const blur = (s: string) => (s && !s.includes('*') ? `*${s}*` : s);
const PAGE_SIZE = 20;

/** Config list: search (blur), paging, batch delete/export/clone, import. */
export async function configListPage(ctx: PageCtx) {
  const { q, root } = ctx;
  const dataId = input({ name: 'dataId', value: q.get('dataId') ?? '', placeholder: 'e.g. app*' });
  const group = input({ name: 'group', value: q.get('group') ?? '', placeholder: 'e.g. DEFAULT_GROUP' });
  const tags = input({ name: 'tags', value: q.get('tags') ?? '', placeholder: 'tag1,tag2' });
  const page = Number(q.get('page') ?? 1) || 1;
  const search = (p = 1) =>
    go('configs', {
      dataId: dataId.value.trim(),
      group: group.value.trim(),
      tags: tags.value.trim(),
      page: String(p),
    });

  const listEl = h('div', { class: 'list', 'aria-busy': 'true' });
  const selected = new Map<string, ConfigRow>();
  const count = h('span', { class: 'selected-count', 'aria-live': 'polite' }, '');
  const updateCount = () => {
    count.textContent = selected.size ? `${selected.size} selected` : '';
  };
  clear(
    root,
    h('h1', null, 'Configurations'),
    searchForm([field('Data ID', dataId), field('Group', group), field('Tags', tags)], 'Search', () =>
      search(),
    ),
    h(
      'div',
      { class: 'actions' },
      button('Create configuration', () => go('config-edit', {}), { class: 'primary' }),
      button('Import…', () => importDialog(ctx)),
      button('Export', () => exportConfigs([...selected.values()], ctx)),
      button('Clone…', () => cloneDialog([...selected.values()], ctx)),
      button('Delete selected', () => batchDelete([...selected.values()], ctx), { class: 'danger' }),
      count,
    ),
    listEl,
  );

  const data = await call<{ totalCount: number; pageItems: ConfigRow[] }>(
    'GET',
    '/v3/console/cs/config/list',
    {
      namespaceId: ns.id,
      dataId: blur(q.get('dataId') ?? ''),
      groupName: blur(q.get('group') ?? ''),
      configTags: q.get('tags') ?? '',
      search: 'blur',
      pageNo: page,
      pageSize: PAGE_SIZE,
    },
  );
  const rows = (data.pageItems ?? []).map((r) => {
    const key = `${r.id}`;
    const cb = h('input', {
      type: 'checkbox',
      'aria-label': `Select ${r.dataId}`,
      onchange: (e: Event) => {
        if ((e.target as HTMLInputElement).checked) selected.set(key, r);
        else selected.delete(key);
        updateCount();
      },
    });
    const params = { dataId: r.dataId, group: groupOf(r) };
    return [
      cb,
      h('a', { href: `#/config-edit?${new URLSearchParams(params)}` }, r.dataId),
      groupOf(r),
      r.type ?? '',
      r.appName ?? '',
      fmtTime(r.modifyTime),
      h(
        'span',
        { class: 'row-actions' },
        h('a', { href: `#/config-edit?${new URLSearchParams(params)}` }, 'Edit'),
        h('a', { href: `#/history?${new URLSearchParams(params)}` }, 'History'),
        button('Listeners', () => listenersDialog(r, ctx), { class: 'link' }),
        button('Delete', () => deleteOne(r, ctx), { class: 'link danger' }),
      ),
    ];
  });
  clear(
    listEl,
    table(['', 'Data ID', 'Group', 'Type', 'App', 'Modified', 'Actions'], rows, {
      'aria-label': 'Configurations',
    }),
    pager(page, data.totalCount ?? rows.length, PAGE_SIZE, (p) => search(p)),
  );
  listEl.setAttribute('aria-busy', 'false');
}

async function deleteOne(r: ConfigRow, ctx: PageCtx) {
  if (!(await confirmDialog('Delete configuration', `Delete ${r.dataId} (${groupOf(r)})?`, 'Delete'))) return;
  try {
    await call('DELETE', '/v3/console/cs/config', {
      namespaceId: ns.id,
      dataId: r.dataId,
      groupName: groupOf(r),
      srcUser: srcUser(),
    });
    toast(`Deleted ${r.dataId}`);
    go('configs', Object.fromEntries(ctx.q));
  } catch (e) {
    ctx.fail(e);
  }
}

async function batchDelete(rows: ConfigRow[], ctx: PageCtx) {
  if (!rows.length) return toast('Select configurations first.', 'error');
  if (!(await confirmDialog('Delete configurations', `Delete ${rows.length} configuration(s)?`, 'Delete')))
    return;
  try {
    await call('DELETE', '/v3/console/cs/config/batchDelete', { ids: rows.map((r) => r.id).join(',') });
    toast(`Deleted ${rows.length} configuration(s)`);
    go('configs', Object.fromEntries(ctx.q));
  } catch (e) {
    ctx.fail(e);
  }
}

async function download(path: string, params: Record<string, string>, fallbackName: string) {
  const res = await call<Response>('GET', path, params, { raw: true });
  const blob = await res.blob();
  const name = /filename="?([^";]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

async function exportConfigs(rows: ConfigRow[], ctx: PageCtx) {
  try {
    const params: Record<string, string> = { namespaceId: ns.id };
    if (rows.length) params.ids = rows.map((r) => r.id).join(',');
    await download('/v3/console/cs/config/export2', params, 'nacos_config_export.zip');
  } catch (e) {
    ctx.fail(e);
  }
}

const POLICIES: Array<[string, string]> = [
  ['ABORT', 'Stop at the first existing configuration'],
  ['SKIP', 'Skip existing configurations'],
  ['OVERWRITE', 'Overwrite existing configurations'],
];

function importDialog(ctx: PageCtx) {
  void modal('Import configurations', (done) => {
    const file = h('input', { type: 'file', accept: '.zip,application/zip', required: true });
    const policy = select(POLICIES, 'ABORT');
    return h(
      'form',
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const f = file.files?.[0];
          if (!f) return toast('Choose a ZIP file.', 'error');
          const fd = new FormData();
          fd.append('file', f);
          try {
            const r = await call(
              'POST',
              '/v3/console/cs/config/import',
              { namespaceId: ns.id, policy: policy.value },
              { body: fd },
            );
            toast(`Imported: ${summary(r)}`);
            done();
            go('configs');
          } catch (ex) {
            ctx.fail(ex);
          }
        },
      },
      field('ZIP file (Nacos export format)', file),
      field('When a configuration exists', policy),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Import')),
    );
  });
}

function summary(r: any): string {
  if (!r || typeof r !== 'object') return String(r ?? 'done');
  const parts = [`${r.succCount ?? 0} succeeded`];
  if (r.skipCount) parts.push(`${r.skipCount} skipped`);
  if (r.failData?.length) parts.push(`${r.failData.length} failed`);
  return parts.join(', ');
}

function cloneDialog(rows: ConfigRow[], ctx: PageCtx) {
  if (!rows.length) return toast('Select configurations to clone first.', 'error');
  void modal('Clone configurations', (done) => {
    const targets = ctx.namespaces.map(
      (n) =>
        [n.namespace === 'public' ? '' : n.namespace, n.namespaceShowName || 'public'] as [string, string],
    );
    const target = select(targets, '');
    const policy = select(POLICIES, 'ABORT');
    return h(
      'form',
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          try {
            const body = JSON.stringify(
              rows.map((r) => ({ cfgId: r.id, dataId: r.dataId, group: groupOf(r) })),
            );
            const r = await call(
              'POST',
              '/v3/console/cs/config/clone',
              { namespaceId: ns.id, targetNamespaceId: target.value || 'public', policy: policy.value },
              { body, headers: { 'content-type': 'application/json' } },
            );
            toast(`Cloned: ${summary(r)}`);
            done();
          } catch (ex) {
            ctx.fail(ex);
          }
        },
      },
      h('p', null, `${rows.length} configuration(s): ${rows.map((r) => r.dataId).join(', ')}`),
      field('Target namespace', target),
      field('When a configuration exists', policy),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Clone')),
    );
  });
}

async function listenersDialog(r: ConfigRow, ctx: PageCtx) {
  try {
    const info = await call<{ listenersStatus?: Record<string, string> }>(
      'GET',
      '/v3/console/cs/config/listener',
      {
        namespaceId: ns.id,
        dataId: r.dataId,
        groupName: groupOf(r),
      },
    );
    const rows = Object.entries(info?.listenersStatus ?? {}).map(([ip, md5]) => [ip, md5]);
    void modal(`Listeners of ${r.dataId}`, () => table(['Client', 'MD5 it holds'], rows));
  } catch (e) {
    ctx.fail(e);
  }
}

async function getConfig(dataId: string, group: string): Promise<ConfigDetail | undefined> {
  try {
    return await call<ConfigDetail>('GET', '/v3/console/cs/config', {
      namespaceId: ns.id,
      dataId,
      groupName: group,
    });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.code === 20004)) return undefined;
    throw e;
  }
}

/** Create/edit with the highlighting editor; publishing shows the diff against the stored version first. */
export async function configEditPage(ctx: PageCtx) {
  const { q, root } = ctx;
  const isNew = !q.get('dataId');
  const current = isNew ? undefined : await getConfig(q.get('dataId')!, q.get('group') ?? 'DEFAULT_GROUP');
  if (!isNew && !current) toast(`${q.get('dataId')} does not exist (yet): publishing creates it.`, 'error');
  const dataId = input({ name: 'dataId', value: q.get('dataId') ?? '', required: true, readonly: !isNew });
  const group = input({
    name: 'group',
    value: q.get('group') ?? 'DEFAULT_GROUP',
    required: true,
    readonly: !isNew,
  });
  const desc = input({ name: 'desc', value: current?.desc ?? '' });
  const tags = input({ name: 'configTags', value: current?.configTags ?? '' });
  const appName = input({ name: 'appName', value: current?.appName ?? '' });
  const type = select(
    CONFIG_TYPES.map((t) => [t, t.toUpperCase()] as [string, string]),
    current?.type || 'text',
    { name: 'type' },
  );
  const editor = codeEditor({ label: 'Content', value: current?.content ?? '', type: type.value });
  type.addEventListener('change', () => editor.setType(type.value));
  const betaIps = input({ name: 'betaIps', placeholder: '10.0.0.1,10.0.0.2' });
  const betaBox = h('div', { class: 'beta' });
  const grayTag = input({ name: 'grayTag', placeholder: 'canary', maxlength: '16' });
  const tagBox = h('div', { class: 'tag-gray' });

  /** `beta`: to the beta IPs; `tag`: a tag gray for clients asking with that tag; else the formal version. */
  const publish = async (mode: 'formal' | 'beta' | 'tag') => {
    const beta = mode === 'beta';
    const tag = grayTag.value.trim();
    if (!dataId.value.trim() || !group.value.trim()) return toast('Data ID and group are required.', 'error');
    const v = editor.check();
    if (
      !v.ok &&
      !(await confirmDialog('Content is not valid', `${v.message}. Publish anyway?`, 'Publish anyway'))
    )
      return;
    if (beta && !betaIps.value.trim()) return toast('Enter the beta IPs.', 'error');
    if (mode === 'tag' && !tag) return toast('Enter the gray tag.', 'error');
    const latest = isNew ? undefined : await getConfig(dataId.value, group.value).catch(() => current);
    const ok = await modal<boolean>(
      beta ? 'Review beta publish' : mode === 'tag' ? `Review tag gray publish (${tag})` : 'Review changes',
      (done) => [
        diffView(latest?.content ?? '', editor.value(), [
          latest ? 'Current version' : '(new configuration)',
          'To publish',
        ]),
        h(
          'div',
          { class: 'actions' },
          button('Back to editing', () => done(false)),
          button(beta ? 'Publish beta' : mode === 'tag' ? 'Publish tag gray' : 'Publish', () => done(true), {
            class: 'primary',
            autofocus: true,
          }),
        ),
      ],
      { wide: true },
    );
    if (!ok) return;
    try {
      await call(
        'POST',
        '/v3/console/cs/config',
        {
          namespaceId: ns.id,
          dataId: dataId.value.trim(),
          groupName: group.value.trim(),
          content: editor.value(),
          type: type.value,
          desc: desc.value,
          srcUser: srcUser(),
          configTags: tags.value,
          appName: appName.value,
          ...(mode === 'tag' ? { tag } : {}),
        },
        beta ? { headers: { betaIps: betaIps.value.trim() } } : {},
      );
      toast(
        beta
          ? `Beta published to ${betaIps.value}`
          : mode === 'tag'
            ? `Tag gray published for tag ${tag}`
            : `Published ${dataId.value}`,
      );
      go('config-edit', { dataId: dataId.value.trim(), group: group.value.trim() });
    } catch (e) {
      ctx.fail(e);
    }
  };

  clear(
    root,
    h('h1', null, isNew ? 'Create configuration' : `Edit ${q.get('dataId')}`),
    h(
      'form',
      {
        class: 'config-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void publish('formal');
        },
      },
      h(
        'div',
        { class: 'grid' },
        field('Data ID', dataId),
        field('Group', group),
        field('Format', type),
        field('Tags', tags),
        field('App', appName),
        field('Description', desc),
      ),
      editor.el,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Review & publish'),
        !isNew
          ? h(
              'a',
              { href: `#/history?${new URLSearchParams({ dataId: dataId.value, group: group.value })}` },
              'History',
            )
          : null,
        h('a', { href: '#/configs' }, 'Back to list'),
      ),
      grayPanel(
        'beta-publish',
        'Beta (gray) publish',
        field('Beta client IPs', betaIps, 'Comma-separated; only these clients receive the beta.'),
        button('Review & publish beta', () => publish('beta')),
        betaBox,
        isNew ? undefined : () => showBeta(betaBox, dataId.value, group.value, ctx),
      ),
      grayPanel(
        'beta-publish tag-publish',
        'Tag (gray) publish',
        field('Gray tag', grayTag, 'Only clients asking with this tag (Vipserver-Tag / tag) receive it.'),
        button('Review & publish tag gray', () => publish('tag')),
        tagBox,
        isNew ? undefined : () => showTagGrays(tagBox, dataId.value, group.value, ctx),
      ),
    ),
  );
}

/**
 * A collapsible gray publish section; `load` shows the active gray versions, asked only when opened
 * (a config without a beta answers 404, which the browser logs as an error).
 */
function grayPanel(
  cls: string,
  summary: string,
  control: HTMLElement,
  action: HTMLElement,
  box: HTMLElement,
  load?: () => Promise<void>,
): HTMLElement {
  const details = h('details', { class: cls }, h('summary', null, summary), control, action, box);
  if (load)
    details.addEventListener('toggle', () => {
      if ((details as HTMLDetailsElement).open) void load();
    });
  return details;
}

/** Beta client IPs from a gray rule (`{"type":"beta","expr":"ip,ip",…}`) or v1 `betaIps`. */
function betaClients(beta: { grayRule?: string; betaIps?: string }): string {
  try {
    const rule = JSON.parse(beta.grayRule ?? '');
    if (rule && typeof rule.expr === 'string') return rule.expr;
  } catch {}
  return beta.betaIps ?? beta.grayRule ?? '';
}

interface GrayInfo {
  content: string;
  grayName: string;
  grayRule: string;
}

/** The tag of a tag gray (`{"type":"tag","expr":"canary",…}`, stored as gray name `tag_canary`). */
function grayTagOf(g: GrayInfo): string | undefined {
  try {
    const rule = JSON.parse(g.grayRule);
    if (rule?.type === 'tag' && typeof rule.expr === 'string') return rule.expr;
  } catch {}
  return g.grayName.startsWith('tag_') ? g.grayName.slice(4) : undefined;
}

/** Lists the tag gray versions of a config, each with its content and a stop button. */
async function showTagGrays(box: HTMLElement, dataId: string, group: string, ctx: PageCtx) {
  try {
    const grays = await call<GrayInfo[]>('GET', '/v3/console/cs/config/gray', {
      namespaceId: ns.id,
      dataId,
      groupName: group,
    });
    const tagged = (grays ?? []).flatMap((g) => {
      const tag = grayTagOf(g);
      return tag === undefined ? [] : [{ tag, content: g.content }];
    });
    clear(
      box,
      ...tagged.map(({ tag, content }) =>
        h(
          'section',
          { 'aria-label': `Tag gray ${tag}` },
          h('h3', null, `Active tag gray: ${tag}`),
          h('pre', { class: 'preview' }, content),
          button(`Stop tag gray ${tag}`, async () => {
            try {
              await call('DELETE', '/v3/console/cs/config', {
                namespaceId: ns.id,
                dataId,
                groupName: group,
                tag,
                srcUser: srcUser(),
              });
              toast(`Tag gray ${tag} stopped`);
              await showTagGrays(box, dataId, group, ctx);
            } catch (e) {
              ctx.fail(e);
            }
          }),
        ),
      ),
    );
  } catch (e) {
    ctx.fail(e);
  }
}

async function showBeta(box: HTMLElement, dataId: string, group: string, ctx: PageCtx) {
  try {
    const beta = await call<{ content?: string; grayRule?: string; betaIps?: string } | null>(
      'GET',
      '/v3/console/cs/config/beta',
      { namespaceId: ns.id, dataId, groupName: group },
    );
    if (!beta || beta.content === undefined) return;
    clear(
      box,
      h('h3', null, 'Active beta'),
      h('p', null, `Clients: ${betaClients(beta)}`),
      h('pre', { class: 'preview' }, beta.content),
      button('Stop beta', async () => {
        try {
          await call('DELETE', '/v3/console/cs/config/beta', {
            namespaceId: ns.id,
            dataId,
            groupName: group,
          });
          toast('Beta stopped');
          clear(box);
        } catch (e) {
          ctx.fail(e);
        }
      }),
    );
  } catch (e) {
    if (!(e instanceof ApiError && (e.status === 404 || e.code === 20004))) ctx.fail(e);
  }
}

interface HistoryRow {
  id: number | string;
  dataId: string;
  groupName?: string;
  group?: string;
  opType?: string;
  srcUser?: string;
  srcIp?: string;
  modifyTime?: number;
  createTime?: number;
  lastModifiedTime?: number;
}

const OPS: Record<string, string> = { I: 'Created', U: 'Updated', D: 'Deleted' };

/** History of one config: view, compare two versions side by side, roll back with confirmation. */
export async function historyPage(ctx: PageCtx) {
  const { q, root } = ctx;
  const dataId = input({ name: 'dataId', value: q.get('dataId') ?? '', required: true });
  const group = input({ name: 'group', value: q.get('group') ?? 'DEFAULT_GROUP', required: true });
  const page = Number(q.get('page') ?? 1) || 1;
  const listEl = h('div', { class: 'list' });
  clear(
    root,
    h('h1', null, 'History'),
    searchForm([field('Data ID', dataId), field('Group', group)], 'Show history', () =>
      go('history', { dataId: dataId.value.trim(), group: group.value.trim() }),
    ),
    listEl,
  );
  if (!q.get('dataId')) {
    clear(listEl, h('p', { class: 'empty' }, 'Enter a data ID and group to see its versions.'));
    return;
  }
  const key = { namespaceId: ns.id, dataId: q.get('dataId')!, groupName: q.get('group') ?? 'DEFAULT_GROUP' };
  const data = await call<{ totalCount: number; pageItems: HistoryRow[] }>(
    'GET',
    '/v3/console/cs/history/list',
    {
      ...key,
      pageNo: page,
      pageSize: PAGE_SIZE,
    },
  );
  const detail = (nid: string | number) =>
    call<HistoryRow & { content: string }>('GET', '/v3/console/cs/history', { ...key, nid });
  const picked: Array<string | number> = [];
  const compareBtn = button('Compare selected', async () => {
    if (picked.length !== 2) return toast('Select exactly two versions.', 'error');
    try {
      const [x, y] = await Promise.all(picked.map(detail));
      const [older, newer] = Number(x!.id) < Number(y!.id) ? [x!, y!] : [y!, x!];
      void modal(
        'Compare versions',
        () => diffView(older.content, newer.content, [`Version ${older.id}`, `Version ${newer.id}`]),
        { wide: true },
      );
    } catch (e) {
      ctx.fail(e);
    }
  });
  const rows = (data.pageItems ?? []).map((r) => [
    h('input', {
      type: 'checkbox',
      'aria-label': `Select version ${r.id}`,
      onchange: (e: Event) => {
        const i = picked.indexOf(r.id);
        if ((e.target as HTMLInputElement).checked) picked.push(r.id);
        else if (i >= 0) picked.splice(i, 1);
      },
    }),
    String(r.id),
    OPS[r.opType?.trim() ?? ''] ?? r.opType ?? '',
    r.srcUser ?? '',
    r.srcIp ?? '',
    fmtTime(r.modifyTime ?? r.lastModifiedTime ?? r.createTime),
    h(
      'span',
      { class: 'row-actions' },
      button(
        'View',
        async () => {
          try {
            const d = await detail(r.id);
            void modal(`Version ${r.id}`, () => h('pre', { class: 'preview' }, d.content), { wide: true });
          } catch (e) {
            ctx.fail(e);
          }
        },
        { class: 'link' },
      ),
      button(
        'Compare with current',
        async () => {
          try {
            const [d, cur] = await Promise.all([detail(r.id), getConfig(key.dataId, key.groupName)]);
            void modal(
              `Version ${r.id} and the current version`,
              () =>
                diffView(d.content, cur?.content ?? '', [
                  `Version ${r.id}`,
                  cur ? 'Current version' : '(deleted)',
                ]),
              { wide: true },
            );
          } catch (e) {
            ctx.fail(e);
          }
        },
        { class: 'link' },
      ),
      button('Roll back', () => rollback(r, key, detail, ctx), { class: 'link' }),
    ),
  ]);
  clear(
    listEl,
    h(
      'div',
      { class: 'actions' },
      compareBtn,
      h(
        'a',
        { href: `#/config-edit?${new URLSearchParams({ dataId: key.dataId, group: key.groupName })}` },
        'Edit current',
      ),
    ),
    table(['', 'Version', 'Operation', 'User', 'Source IP', 'Time', 'Actions'], rows, {
      'aria-label': 'Versions',
    }),
    pager(page, data.totalCount ?? rows.length, PAGE_SIZE, (p) =>
      go('history', { dataId: key.dataId, group: key.groupName, page: String(p) }),
    ),
  );
}

async function rollback(
  r: HistoryRow,
  key: { namespaceId: string; dataId: string; groupName: string },
  detail: (nid: string | number) => Promise<HistoryRow & { content: string; type?: string }>,
  ctx: PageCtx,
) {
  try {
    const [version, current] = await Promise.all([detail(r.id), getConfig(key.dataId, key.groupName)]);
    const ok = await modal<boolean>(
      `Roll back ${key.dataId} to version ${r.id}?`,
      (done) => [
        diffView(current?.content ?? '', version.content, ['Current version', `Version ${r.id}`]),
        h(
          'div',
          { class: 'actions' },
          button('Cancel', () => done(false)),
          button('Roll back', () => done(true), { class: 'primary danger', autofocus: true }),
        ),
      ],
      { wide: true },
    );
    if (!ok) return;
    await call('POST', '/v3/console/cs/config', {
      ...key,
      content: version.content,
      srcUser: srcUser(),
      type: current?.type ?? version.type ?? 'text',
      desc: current?.desc,
      configTags: current?.configTags,
      appName: current?.appName,
    });
    toast(`Rolled back ${key.dataId} to version ${r.id}`);
    go('history', { dataId: key.dataId, group: key.groupName });
  } catch (e) {
    ctx.fail(e);
  }
}
