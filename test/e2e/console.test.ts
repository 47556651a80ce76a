import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { ADMIN_PASSWORD, login, TEST_SECRET } from '../support/auth';
import { type BinaryServer, spawnBinary } from '../support/binary';
import { freePort } from '../support/ports';
import { BINARY } from '../support/server';

setDefaultTimeout(30_000);

const ARTIFACTS = resolve(import.meta.dir, '../../test-artifacts');
const CHROMIUM = '/usr/bin/chromium';

let browser: Browser;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Playwright gives each launch a fresh temporary user-data dir, and each context its own storage.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  await browser?.close();
});

/** A page that records console errors and failed requests, so a test can assert there were none. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  cleanups.push(() => ctx.close());
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { page, problems };
}

/** A page logged in as the admin through the login form. */
async function openLoggedIn(ui: string): Promise<{ page: Page; problems: string[] }> {
  const r = await openPage();
  await r.page.goto(`${ui}/`);
  await r.page.waitForSelector('form.login');
  await r.page.getByLabel('User name').fill('nacos');
  await r.page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await r.page.getByRole('button', { name: 'Log in' }).click();
  await r.page.waitForSelector('h1:text("Configurations")');
  return r;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

async function ready(page: Page) {
  await page.waitForSelector('body[data-ready="true"]');
}

/** Waits until the element's text matches (Playwright's auto-waiting, without @playwright/test). */
async function waitText(loc: Locator, want: string | RegExp, timeoutMs = 5000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text =
      (await loc
        .first()
        .textContent({ timeout: timeoutMs })
        .catch(() => '')) ?? '';
    if (typeof want === 'string' ? text.includes(want) : want.test(text)) return text;
    if (Date.now() > end) throw new Error(`expected text ${want} but found: ${text.slice(0, 300)}`);
    await Bun.sleep(50);
  }
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

describe('web console in the compiled binary (deployment type all, auth on)', () => {
  let s: BinaryServer;
  let ui: string;
  let token: string;
  /** Direct API calls as the admin (auth is on). */
  const authed = (url: string, init?: RequestInit) =>
    fetch(`${url}${url.includes('?') ? '&' : '?'}accessToken=${token}`, init);
  beforeAll(async () => {
    s = await spawnBinary({
      env: {
        BATATA_AUTH_ENABLED: 'true',
        BATATA_AUTH_SECRET_KEY: TEST_SECRET,
        BATATA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
    });
    cleanups.push(() => s.stop());
    ui = `http://127.0.0.1:${s.ports.console}`;
    token = await login(s.nacos, 'nacos', ADMIN_PASSWORD);
  });

  test('login page: wrong password is refused, the right one logs in, logout returns to it', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${ui}/#/configs`);
    await page.waitForSelector('form.login');
    expect(await page.locator('nav[aria-label="Main"]').count()).toBe(0);
    await page.getByLabel('User name').fill('nacos');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitText(page.getByRole('alert'), 'Wrong user name or password');
    await shot(page, 'login-failed');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.waitForSelector('h1:text("Configurations")');
    await waitText(page.locator('.user'), 'nacos');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForSelector('form.login');
    await waitText(page.getByRole('alert'), 'logged out');
    // The console API refuses calls without the token.
    expect((await fetch(`${ui}/v3/console/cs/config/list?pageNo=1&pageSize=10`)).status).toBe(403);
    // Wrong-password 403 is the expected failed request of this test.
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
  });

  test('first load (fresh browser, empty cache) is fast, compressed and free of console errors', async () => {
    const { page, problems } = await openPage();
    const encodings: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/assets/')) encodings.push(r.headers()['content-encoding'] ?? 'none');
    });
    await page.goto(`${ui}/`);
    await ready(page);
    await page.waitForSelector('form.login');
    // From navigation start (page's own clock) to the drawn login form: HTML, script, style, state call.
    const readyMs = Number(await page.locator('body').getAttribute('data-ready-ms'));
    expect(readyMs).toBeGreaterThan(0);
    expect(readyMs).toBeLessThan(1000);
    expect(encodings.length).toBe(2);
    expect(encodings.every((e) => e === 'br')).toBe(true);
    await page.getByLabel('User name').fill('nacos');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitText(page.locator('main h1'), 'Configurations');
    await page.goto(`${ui}/#/cluster`);
    await page.waitForSelector('h1:text("Cluster nodes")');
    await waitText(page.locator('table[aria-label="Cluster nodes"]'), 'UP');
    expect(await page.locator('table[aria-label="Cluster nodes"] tbody tr').count()).toBe(1);
    await shot(page, 'cluster');
    expect(problems).toEqual([]);
  });

  test('create a namespace and switch to it', async () => {
    const { page, problems } = await openLoggedIn(ui);
    await page.goto(`${ui}/#/namespaces`);
    await ready(page);
    await page.getByRole('button', { name: 'Create namespace' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('ID').fill('e2e-ns');
    await dialog.getByLabel('Name').fill('E2E namespace');
    await dialog.getByLabel('Description').fill('made by the browser test');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await waitText(page.locator('table[aria-label="Namespaces"]'), 'e2e-ns');
    await shot(page, 'namespaces');
    const list = await (await authed(`${s.nacos}/v3/admin/core/namespace/list`)).json();
    expect(list.data.map((n: any) => n.namespace)).toContain('e2e-ns');

    await page.getByLabel('Namespace', { exact: true }).selectOption('e2e-ns');
    expect(await page.getByLabel('Namespace', { exact: true }).inputValue()).toBe('e2e-ns');
    await page.getByRole('link', { name: 'Configurations' }).click();
    await page.waitForSelector('h1:text("Configurations")');
    // The choice sticks across pages and reloads.
    await page.reload();
    await ready(page);
    expect(await page.getByLabel('Namespace', { exact: true }).inputValue()).toBe('e2e-ns');
    expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
  });

  test('configs: create, edit with diff review, publish, history, roll back', async () => {
    const { page, problems } = await openLoggedIn(ui);
    await page.goto(`${ui}/#/configs`);
    await ready(page);
    await page.getByRole('button', { name: 'Create configuration' }).click();
    await page.waitForSelector('h1:text("Create configuration")');
    await page.getByLabel('Data ID').fill('e2e.json');
    await page.getByLabel('Format').selectOption('json');
    const editor = page.getByLabel('Content', { exact: true });
    await editor.fill('{"port": 8080,');
    await waitText(page.locator('.editor-status'), 'Invalid JSON');
    await shot(page, 'config-invalid-json');
    await editor.fill('{\n  "port": 8080,\n  "debug": false\n}');
    await waitText(page.locator('.editor-status'), 'valid json');
    await page.getByRole('button', { name: 'Review & publish' }).click();
    let dialog = page.getByRole('dialog');
    await waitText(dialog, '(new configuration)');
    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.waitForSelector('h1:text("Edit e2e.json")');
    const v1 = await (await authed(`${s.nacos}/v1/cs/configs?dataId=e2e.json&group=DEFAULT_GROUP`)).text();
    expect(JSON.parse(v1)).toEqual({ port: 8080, debug: false });

    // Edit: the review dialog shows the change against the stored version.
    await page.getByLabel('Content', { exact: true }).fill('{\n  "port": 9090,\n  "debug": false\n}');
    await page.getByRole('button', { name: 'Review & publish' }).click();
    dialog = page.getByRole('dialog');
    await waitText(dialog, '1 line(s) added, 1 removed');
    expect(await dialog.locator('td.del').first().textContent()).toContain('"port": 8080');
    expect(await dialog.locator('td.add').first().textContent()).toContain('"port": 9090');
    await shot(page, 'config-diff');
    await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
    await waitText(page.locator('#toasts'), 'Published e2e.json');
    const v2 = await (await authed(`${s.nacos}/v1/cs/configs?dataId=e2e.json&group=DEFAULT_GROUP`)).text();
    expect(JSON.parse(v2).port).toBe(9090);

    // History lists both versions; rolling back restores 8080 after a confirmation showing the diff.
    // The editor's own History link (it carries the config key); the navigation bar's History link
    // opens an empty search and is on the page first while the editor re-renders after publishing.
    await page.locator('a[href^="#/history?"][href*="dataId=e2e.json"]').click();
    await page.waitForSelector('table[aria-label="Versions"]');
    await waitText(page.locator('table[aria-label="Versions"]'), 'Updated');
    // The logged-in user is recorded as the author.
    await waitText(page.locator('table[aria-label="Versions"] tbody tr').first(), 'nacos');
    await shot(page, 'history');
    const rows = page.locator('table[aria-label="Versions"] tbody tr');
    expect(await rows.count()).toBe(2);
    await rows.nth(0).getByRole('checkbox').check();
    await rows.nth(1).getByRole('checkbox').check();
    // Nacos keeps the content a change replaced: both entries hold 8080, the current is 9090.
    await page.getByRole('button', { name: 'Compare selected' }).click();
    dialog = page.getByRole('dialog');
    await waitText(dialog, 'No differences');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await rows.nth(0).getByRole('button', { name: 'Compare with current' }).click();
    dialog = page.getByRole('dialog');
    await waitText(dialog, '1 line(s) added, 1 removed');
    await shot(page, 'history-compare');
    await dialog.getByRole('button', { name: 'Close' }).click();
    // The version whose content has port 8080 is the older one.
    let target = -1;
    for (let i = 0; i < 2; i++) {
      await rows.nth(i).getByRole('button', { name: 'View' }).click();
      const text = (await page.getByRole('dialog').locator('pre').textContent()) ?? '';
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
      if (text.includes('8080')) target = i;
    }
    expect(target).toBeGreaterThanOrEqual(0);
    await rows.nth(target).getByRole('button', { name: 'Roll back' }).click();
    dialog = page.getByRole('dialog');
    await waitText(dialog, 'Roll back e2e.json');
    await shot(page, 'rollback-confirm');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await waitText(page.locator('#toasts'), 'Rolled back');
    const v3 = await (await authed(`${s.nacos}/v1/cs/configs?dataId=e2e.json&group=DEFAULT_GROUP`)).text();
    expect(JSON.parse(v3).port).toBe(8080);

    // The list finds it by a fragment of the data ID.
    await page.goto(`${ui}/#/configs?dataId=e2e`);
    await waitText(page.locator('table[aria-label="Configurations"]'), 'e2e.json');
    await shot(page, 'configs');
    expect(problems).toEqual([]);
  });

  test('editor validates YAML, properties and XML as the format changes', async () => {
    const { page, problems } = await openLoggedIn(ui);
    await page.goto(`${ui}/#/config-edit`);
    await ready(page);
    const editor = page.getByLabel('Content', { exact: true });
    const status = page.locator('.editor-status');
    const cases: Array<[string, string, string]> = [
      ['yaml', 'server:\n  port: 8080\n   bad: [1, 2\n', 'Invalid YAML'],
      ['yaml', 'server:\n  port: 8080\nlist:\n  - a\n  - b\n', 'valid yaml'],
      ['properties', 'a=1\n=novalue\n', 'line 2 has no key'],
      ['properties', '# c\nserver.port=8080\nname = x\n', 'valid properties'],
      ['xml', '<a><b></a>', 'Invalid XML'],
      ['xml', '<?xml version="1.0"?>\n<a x="1"><b/></a>', 'valid xml'],
    ];
    for (const [type, text, want] of cases) {
      await page.getByLabel('Format').selectOption(type);
      await editor.fill(text);
      await waitText(status, want);
      expect(await editor.getAttribute('aria-invalid')).toBe(
        String(want.startsWith('Invalid') || want.includes('no key')),
      );
    }
    await page.getByLabel('Format').selectOption('yaml');
    await editor.fill('# settings\nserver:\n  port: 8080 # main\n  name: "batata"\n  on: true\n');
    expect(await page.locator('.backdrop .t-key').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.backdrop .t-comment').count()).toBe(2);
    await shot(page, 'editor-yaml');
    expect(problems).toEqual([]);
  });

  test('configs: beta publish, export and import ZIP, clone, batch delete', async () => {
    const { page, problems } = await openLoggedIn(ui);
    for (const id of ['bulk-a.properties', 'bulk-b.properties'])
      await authed(`${s.nacos}/v1/cs/configs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ dataId: id, group: 'BULK', content: `k=${id}`, type: 'properties' }),
      });
    // Beta: publish to one client IP, see it, stop it.
    await page.goto(`${ui}/#/config-edit?dataId=bulk-a.properties&group=BULK`);
    await ready(page);
    await page.getByLabel('Content', { exact: true }).fill('k=beta');
    await page.locator('summary', { hasText: 'Beta (gray) publish' }).click();
    await page.getByLabel('Beta client IPs').fill('10.9.9.9');
    await page.getByRole('button', { name: 'Review & publish beta' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Publish beta' }).click();
    await waitText(page.locator('#toasts'), 'Beta published');
    const beta = await (
      await authed(`${s.nacos}/v3/admin/cs/config/beta?dataId=bulk-a.properties&groupName=BULK`)
    ).json();
    expect(beta.data.content).toBe('k=beta');
    await page.locator('summary', { hasText: 'Beta (gray) publish' }).click();
    await waitText(page.locator('.beta'), 'k=beta');
    await shot(page, 'config-beta');
    await page.getByRole('button', { name: 'Stop beta' }).click();
    await waitText(page.locator('#toasts'), 'Beta stopped');
    expect(
      (await authed(`${s.nacos}/v3/admin/cs/config/beta?dataId=bulk-a.properties&groupName=BULK`)).status,
    ).toBe(404);

    // Export the two selected configs as a ZIP.
    await page.goto(`${ui}/#/configs?group=BULK`);
    await waitText(page.locator('table[aria-label="Configurations"]'), 'bulk-b.properties');
    await page.getByRole('checkbox', { name: 'Select bulk-a.properties' }).check();
    await page.getByRole('checkbox', { name: 'Select bulk-b.properties' }).check();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export' }).click(),
    ]);
    const zipPath = join(mkdtempSync(join(tmpdir(), 'batata-zip-')), 'export.zip');
    await download.saveAs(zipPath);
    expect((await Bun.file(zipPath).bytes()).slice(0, 2)).toEqual(new Uint8Array([0x50, 0x4b]));

    // Clone both into e2e-ns.
    await page.getByRole('button', { name: 'Clone…' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByLabel('Target namespace').selectOption('e2e-ns');
    await dialog.getByRole('button', { name: 'Clone' }).click();
    await waitText(page.locator('#toasts'), 'Cloned: 2 succeeded');
    const cloned = await (
      await authed(`${s.nacos}/v1/cs/configs?dataId=bulk-b.properties&group=BULK&tenant=e2e-ns`)
    ).text();
    expect(cloned).toBe('k=bulk-b.properties');

    // Batch delete, then import the ZIP back.
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await waitText(page.locator('#toasts'), 'Deleted 2 configuration(s)');
    expect((await authed(`${s.nacos}/v1/cs/configs?dataId=bulk-a.properties&group=BULK`)).status).toBe(404);
    await page.getByRole('button', { name: 'Import…' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('ZIP file (Nacos export format)').setInputFiles(zipPath);
    await dialog.getByRole('button', { name: 'Import' }).click();
    await waitText(page.locator('#toasts'), 'Imported: 2 succeeded');
    expect(await (await authed(`${s.nacos}/v1/cs/configs?dataId=bulk-a.properties&group=BULK`)).text()).toBe(
      'k=bulk-a.properties',
    );
    expect(problems.filter((p) => !p.includes('404'))).toEqual([]);
  });

  test('configs: tag gray publish, only clients with the tag get it, stop it', async () => {
    const { page, problems } = await openLoggedIn(ui);
    const q = 'dataId=tagged.properties&group=GRAY';
    await authed(`${s.nacos}/v1/cs/configs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ dataId: 'tagged.properties', group: 'GRAY', content: 'k=formal' }),
    });
    await page.goto(`${ui}/#/config-edit?dataId=tagged.properties&group=GRAY`);
    await ready(page);
    await page.getByLabel('Content', { exact: true }).fill('k=canary');
    await page.locator('summary', { hasText: 'Tag (gray) publish' }).click();
    // No tag entered: a readable message, nothing published.
    await page.getByRole('button', { name: 'Review & publish tag gray' }).click();
    await waitText(page.locator('#toasts'), 'Enter the gray tag.');
    await page.getByLabel('Gray tag').fill('canary');
    await page.getByRole('button', { name: 'Review & publish tag gray' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Publish tag gray' }).click();
    await waitText(page.locator('#toasts'), 'Tag gray published for tag canary');
    // A client asking with the tag gets the gray content; others (and other tags' absence) the formal one.
    const tagged = await authed(`${s.nacos}/v1/cs/configs?${q}&tag=canary`);
    expect(await tagged.text()).toBe('k=canary');
    expect(tagged.headers.get('tag')).toBe('canary');
    const plain = await authed(`${s.nacos}/v1/cs/configs?${q}`);
    expect(await plain.text()).toBe('k=formal');
    expect(plain.headers.get('tag')).toBeNull();
    // The editor lists the active tag gray and stops it.
    await page.locator('summary', { hasText: 'Tag (gray) publish' }).click();
    await waitText(page.locator('.tag-gray'), 'Active tag gray: canary');
    await waitText(page.locator('.tag-gray'), 'k=canary');
    await shot(page, 'config-tag-gray');
    await page.getByRole('button', { name: 'Stop tag gray canary' }).click();
    await waitText(page.locator('#toasts'), 'Tag gray canary stopped');
    // The toast comes before the editor has re-read the grays: wait for the section to go.
    await page.locator('.tag-gray section').first().waitFor({ state: 'detached', timeout: 5000 });
    expect(await page.locator('.tag-gray section').count()).toBe(0);
    expect((await authed(`${s.nacos}/v1/cs/configs?${q}&tag=canary`)).status).toBe(404);
    expect(await (await authed(`${s.nacos}/v1/cs/configs?${q}`)).text()).toBe('k=formal');
    expect(problems).toEqual([]);
  });

  test('users, roles and permissions: create, bind, grant, then log in as the new user', async () => {
    const { page, problems } = await openLoggedIn(ui);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Create user' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByLabel('User name').fill('e2e-dev');
    await dialog.getByLabel('Password').fill('Dev-pass-123');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await waitText(page.locator('table[aria-label="Users"]'), 'e2e-dev');
    await shot(page, 'users');

    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('button', { name: 'Bind role' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('Role').fill('dev-role');
    await dialog.getByLabel('User name').fill('e2e-dev');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await waitText(page.locator('table[aria-label="Roles"]'), 'dev-role');

    await page.getByRole('link', { name: 'Permissions' }).click();
    await page.getByRole('button', { name: 'Add permission' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('Role').fill('dev-role');
    await dialog.getByLabel('Resource (namespace:group:type/name)').fill('public:*:config/*');
    await dialog.getByLabel('Action').selectOption('r');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await waitText(page.locator('table[aria-label="Permissions"]'), 'public:*:config/*');
    await shot(page, 'permissions');
    expect(problems).toEqual([]);

    // The new user can read configs of public but gets a clear message where it may not go.
    const dev = await openPage();
    await dev.page.goto(`${ui}/`);
    await dev.page.getByLabel('User name').fill('e2e-dev');
    await dev.page.getByLabel('Password').fill('Dev-pass-123');
    await dev.page.getByRole('button', { name: 'Log in' }).click();
    await dev.page.waitForSelector('h1:text("Configurations")');
    await waitText(dev.page.locator('table[aria-label="Configurations"]'), 'e2e.json');
    await dev.page.getByRole('link', { name: 'Users' }).click();
    await waitText(dev.page.locator('.page-error'), 'You do not have permission to see this page.');
    await waitText(dev.page.locator('.page-error'), 'authorization failed');
    expect(await dev.page.locator('#toasts .toast').count()).toBe(0);
    await shot(dev.page, 'denied-for-dev');
  });

  test('keyboard only: skip link, reach a button with Tab, open and close a dialog', async () => {
    const { page, problems } = await openLoggedIn(ui);
    await page.goto(`${ui}/#/namespaces`);
    await page.waitForSelector('h1:text("Namespaces")');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate('document.activeElement?.textContent')) === 'Create namespace';
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    expect(await page.evaluate("document.activeElement?.closest('dialog') !== null")).toBe(true);
    await page.keyboard.type('kbd-ns');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  });

  test('small screens: no horizontal scrolling, navigation stays reachable', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    cleanups.push(() => ctx.close());
    const page = await ctx.newPage();
    await page.goto(`${ui}/`);
    await page.getByLabel('User name').fill('nacos');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForSelector('h1:text("Configurations")');
    for (const path of ['configs', 'config-edit', 'namespaces', 'cluster']) {
      await page.goto(`${ui}/#/${path}`);
      await page.waitForSelector('main h1');
      const overflow = Number(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(page, `mobile-${path}`);
    }
    expect(await page.getByRole('link', { name: 'Services' }).isVisible()).toBe(true);
  });

  test('services: Nacos and Consul registrations show with counts; edit an instance weight', async () => {
    const reg = await authed(`${s.nacos}/v1/ns/instance`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        serviceName: 'e2e-orders',
        ip: '10.1.2.3',
        port: '8080',
        ephemeral: 'false',
        metadata: '{"version":"1.0"}',
      }),
    });
    expect(await reg.text()).toBe('ok');
    // A Consul registration lands in the same registry.
    const consul = await fetch(`${s.url}/v1/agent/service/register`, {
      method: 'PUT',
      headers: { 'x-consul-token': token },
      body: JSON.stringify({ Name: 'e2e-consul-web', Address: '10.1.2.4', Port: 9000 }),
    });
    expect(consul.status).toBe(200);

    const { page, problems } = await openLoggedIn(ui);
    await page.getByRole('link', { name: 'Services' }).click();
    const services = page.locator('table[aria-label="Services"]');
    await waitText(services, 'e2e-orders');
    await waitText(services, 'e2e-consul-web');
    const row = services.locator('tr', { hasText: 'e2e-orders' });
    expect((await row.locator('td').allTextContents()).slice(0, 5)).toEqual([
      'e2e-orders',
      'DEFAULT_GROUP',
      '1',
      '1',
      '1',
    ]);
    await shot(page, 'services');

    await row.getByRole('link', { name: 'e2e-orders' }).click();
    await page.waitForSelector('h1:text("Service e2e-orders")');
    await waitText(page.locator('table[aria-label="Instances of DEFAULT"]'), '10.1.2.3:8080');
    await page.getByRole('button', { name: 'Edit 10.1.2.3:8080' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Weight').fill('3');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await waitText(page.locator('#toasts'), 'Updated 10.1.2.3:8080');
    await waitText(page.locator('table[aria-label="Instances of DEFAULT"]'), '3');
    await shot(page, 'service-detail');
    const list = await (await authed(`${s.nacos}/v1/ns/instance/list?serviceName=e2e-orders`)).json();
    expect(list.hosts[0].weight).toBe(3);
    expect(problems).toEqual([]);
  });

  test('namespaces: edit and delete (with confirmation)', async () => {
    await authed(`${s.nacos}/v3/admin/core/namespace`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ namespaceId: 'tmp-ns', namespaceName: 'Temporary' }),
    });
    const { page, problems } = await openLoggedIn(ui);
    await page.goto(`${ui}/#/namespaces`);
    const table = page.locator('table[aria-label="Namespaces"]');
    await waitText(table, 'tmp-ns');
    const row = table.locator('tr', { hasText: 'tmp-ns' });
    await row.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Renamed');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await waitText(table.locator('tr', { hasText: 'tmp-ns' }), 'Renamed');
    await table.locator('tr', { hasText: 'tmp-ns' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await waitText(page.locator('#toasts'), 'Deleted tmp-ns');
    const list = await (await authed(`${s.nacos}/v3/admin/core/namespace/list`)).json();
    expect(list.data.map((n: any) => n.namespace)).not.toContain('tmp-ns');
    expect(problems).toEqual([]);
  });

  test('API errors are shown as readable messages', async () => {
    const { page } = await openLoggedIn(ui);
    await page.goto(`${ui}/#/namespaces`);
    await ready(page);
    await page.getByRole('button', { name: 'Create namespace' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('ID').fill('e2e-ns');
    await dialog.getByLabel('Name').fill('duplicate');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await waitText(dialog.getByRole('alert'), /exist/i);
    await shot(page, 'namespace-error');
  });
});

describe('deployment types with the compiled binary', () => {
  test('server: no console port is opened', async () => {
    const s = await spawnBinary({ args: ['--set', 'deployment.type=server'] });
    cleanups.push(() => s.stop());
    expect(await portOpen(s.ports.console)).toBe(false);
    expect((await fetch(`${s.nacos}/v3/console/health/liveness`)).status).toBe(200);
  });

  test('console: serves the UI and forwards to a running server (login included)', async () => {
    const server = await spawnBinary({
      args: ['--set', 'deployment.type=server'],
      env: {
        BATATA_AUTH_ENABLED: 'true',
        BATATA_AUTH_SECRET_KEY: TEST_SECRET,
        BATATA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
    });
    cleanups.push(() => server.stop());
    const port = await freePort();
    const proc = Bun.spawn(
      [
        BINARY,
        'serve',
        '--set',
        'deployment.type=console',
        '--set',
        `nacos.console.port=${port}`,
        '--set',
        'nacos.server.bind-address=127.0.0.1',
        '--set',
        `nacos.console.remote.server.address=http://127.0.0.1:${server.ports.main}`,
        '--set',
        'log.dir=',
      ],
      {
        cwd: mkdtempSync(join(tmpdir(), 'batata-cwd-')),
        env: { PATH: process.env.PATH ?? '' },
        stdout: 'ignore',
        stderr: 'pipe',
      },
    );
    cleanups.push(async () => {
      proc.kill('SIGTERM');
      await proc.exited;
    });
    const ui = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    while (
      !(await fetch(`${ui}/v3/console/health/liveness`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (proc.exitCode !== null) throw new Error(`console exited ${proc.exitCode}`);
      if (Date.now() > deadline) throw new Error('console did not start');
      await Bun.sleep(50);
    }
    // Login goes to the server too: the console-only node has no users of its own.
    const { page, problems } = await openLoggedIn(ui);
    await page.goto(`${ui}/#/namespaces`);
    await page.waitForSelector('h1:text("Namespaces")');
    await page.getByRole('button', { name: 'Create namespace' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('ID').fill('remote-ns');
    await dialog.getByLabel('Name').fill('Remote');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await waitText(page.locator('table[aria-label="Namespaces"]'), 'remote-ns');
    await shot(page, 'console-only-namespaces');
    const token = await login(server.nacos, 'nacos', ADMIN_PASSWORD);
    const list = await (
      await fetch(`${server.nacos}/v3/admin/core/namespace/list?accessToken=${token}`)
    ).json();
    expect(list.data.map((n: any) => n.namespace)).toContain('remote-ns');
    expect(problems).toEqual([]);
    // Without a token the server refuses what the console forwards.
    expect((await fetch(`${ui}/v3/console/core/namespace/list`)).status).toBe(403);
    // No Nacos API on the console-only node.
    expect((await fetch(`${ui}/nacos/v1/console/namespaces`)).status).toBe(404);
  });
});
