import type { Browser, Page } from 'playwright-core';
import type { BrowserWindow } from './support/browser';
import { checkA11y, describeInBrowser, launchChromium, shot, signIn, watchPage } from './support/browser';
import { startConsoleApi, type ConsoleApi } from './support/console-api';

/** The console's shell in a real browser: served by the API under its own CSP, development sign-in, menu by role, sign-out. */
describeInBrowser('console shell (Chromium)', () => {
  let api: ConsoleApi;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    [api, browser] = await Promise.all([startConsoleApi(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    problems = watchPage(page);
  });
  afterEach(async () => {
    await page.close();
  });

  it('serves the page at /console and /console/ under a CSP that allows no inline script', async () => {
    for (const path of ['/console', '/console/']) {
      const res = await fetch(api.baseUrl + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
    const config = await (await fetch(`${api.baseUrl}/console/config.json`)).json();
    expect(config).toEqual({ signIn: 'development', rolesClaim: 'roles' });
  });

  it('signs in through the development page, shows the menu of the role, signs out', async () => {
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('heading', { name: 'Console de certification' }).waitFor();
    expect(await checkA11y(page)).toEqual([]);
    await shot(page, 'sign-in');
    await signIn(page, api.baseUrl, 'jury', { sub: 'pres-1', name: 'Claire Petit' });
    await page.getByRole('heading', { name: 'Bonjour Claire Petit' }).waitFor();
    expect(await page.locator('header .who').textContent()).toContain('Claire Petit (Jury)');
    expect(await checkA11y(page)).toEqual([]);
    // A route that does not exist says so, in French.
    await page.goto(`${api.baseUrl}/console/#/nulle-part`);
    await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
    // The token survives a reload (sessionStorage), not a sign-out.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByLabel('Identifiant de l’utilisateur').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as BrowserWindow).sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
  });

  it('a token the API refuses sends the user back to sign-in', async () => {
    await signIn(page, api.baseUrl, 'jury', { sub: 'pres-1', name: 'Claire Petit' });
    // A well-formed token the API does not trust (its signature is broken): any /v1 read answers 401.
    await page.evaluate(() => {
      const { sessionStorage } = (globalThis as unknown as BrowserWindow);
      const t = sessionStorage.getItem('console.token')!;
      sessionStorage.setItem('console.token', `${t.slice(0, -4)}AAAA`);
    });
    // A string, so that jest's transform leaves the browser's dynamic import alone.
    const refused = await page.evaluate(`(async () => {
      const { createApiClient } = await import('/console/api.js');
      let signedOut = false;
      const api = createApiClient({ token: () => sessionStorage.getItem('console.token'), onUnauthorized: () => (signedOut = true) });
      try {
        await api.get('/v1/sessions');
        return 'no error';
      } catch (e) {
        await Promise.resolve();
        return e.status + ' ' + e.code + ' ' + signedOut;
      }
    })()`);
    expect(refused).toBe('401 UNAUTHENTICATED true');
  });

  it('the development token route answers loopback clients only and validates its body', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${api.baseUrl}/console/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const ok = await post({ sub: 'pres-1', name: 'Claire Petit', roles: ['jury'] });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const { token } = (await ok.json()) as { token: string };
    const sessions = await fetch(`${api.baseUrl}/v1/sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(sessions.status).toBe(200);
    expect((await post({ sub: 'pres-1', name: 'x', roles: ['jury'] }, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(403);
    expect((await post({ sub: 'pres-1', name: 'x', roles: ['king'] })).status).toBe(400);
    expect((await post({ sub: 'pres-1', name: 'x', roles: ['jury'], admin: true })).status).toBe(400);
  });
});
