import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DemoResult } from '../../apps/api/src/demo/demo-session';
import { seedReferential } from '../../apps/api/src/demo/demo-session';
import { checkA11y, describeInBrowser, launchChromium, shot, signIn, watchPage, type BrowserWindow } from './support/browser';
import { MEMBER, PRESIDENT, seedDeliberationReadySession, startConsoleApi, type ConsoleApi } from './support/console-api';

/**
 * The console in a real browser, on one API and one Chromium: the shell
 * (served under its own CSP, development sign-in, menus by role, sign-out, a
 * refused token), then the president deliberating the demo session as in the
 * deliberation room: the juries, the sheet, a candidate, a neutralisation on
 * the referent's opinion, decisions (one refused for its missing motivation,
 * shown in French next to the field), a change made meanwhile from another
 * token (412: "modifié entre-temps"), the closing, the sealed PV; then a
 * member approves it. axe-core checks each main screen; screenshots of each
 * are saved under test/console/screenshots/.
 */
describeInBrowser('the console (Chromium)', () => {
  let api: ConsoleApi;
  let browser: Browser;
  let demo: DemoResult;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startConsoleApi(), launchChromium()]);
    demo = await seedDeliberationReadySession(api);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  describe('the shell', () => {
    let page: Page;
    let problems: string[];
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
      // Keyboard alone: each new screen puts the focus on its heading; Tab then Enter follows the first link.
      const focused = () => page.evaluate("document.activeElement && document.activeElement.textContent");
      expect(await focused()).toBe('Bonjour Claire Petit');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Mes jurys');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Mes jurys' }).waitFor();
      expect(await focused()).toBe('Mes jurys');
      expect(await page.evaluate('document.activeElement.tagName')).toBe('H1');
      // The token survives a reload (sessionStorage).
      await page.reload();
      await page.getByRole('heading', { name: 'Mes jurys' }).waitFor();
      // A route that does not exist says so, in French.
      await page.goto(`${api.baseUrl}/console/#/nulle-part`);
      await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
      // A sign-out forgets it.
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
      // In the console itself: the first screen that reads the API gets the 401, and the sign-in page comes back.
      await page.goto(`${api.baseUrl}/console/#/juries`);
      await page.getByLabel('Identifiant de l’utilisateur').waitFor();
      expect(await page.evaluate(() => (globalThis as unknown as BrowserWindow).sessionStorage.length)).toBe(0);
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

  describe('the jury president deliberates', () => {
    let context: BrowserContext;
    let page: Page;
    let problems: string[];
    const lastBlock = seedReferential().blocks.at(-1)!;
    const nonCore = lastBlock.competences.flatMap((c) => c.criteria).find((c) => !c.core)!.code;

    beforeAll(async () => {
      context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'fr-FR' });
      page = await context.newPage();
      problems = watchPage(page);
    });
    afterAll(async () => {
      await context?.close();
    });

    const expectAccessible = async () => expect(await checkA11y(page)).toEqual([]);
    const status = () => page.locator('#jury-status').textContent();

    it('lists the juries of the president and opens the deliberation from its sheet', async () => {
      await signIn(page, 'jury', PRESIDENT);
      await page.getByRole('link', { name: 'Mes jurys' }).first().click();
      await page.getByRole('heading', { name: 'Mes jurys' }).waitFor();
      await page.getByRole('cell', { name: 'Président·e' }).waitFor();
      await expectAccessible();
      await shot(page, 'juries');

      await page.getByRole('link', { name: 'Session de démonstration — juin 2026' }).click();
      await page.getByRole('heading', { name: /^Délibération — Session de démonstration/ }).waitFor();
      expect(await status()).toBe('Convoqué, délibération à ouvrir');
      expect(await page.locator('table.deliberation tbody tr').count()).toBe(demo.candidateIds.length);
      await page.getByRole('button', { name: 'Ouvrir la délibération' }).click();
      await page.getByText('Délibération ouverte', { exact: true }).first().waitFor();
      expect(await status()).toBe('Délibération ouverte');
      await expectAccessible();
    });

    it('neutralises a criterion on the referent\'s opinion, and shows the missing motivation next to the field', async () => {
      await page.getByRole('link', { name: 'MARTIN Léa' }).click();
      await page.getByRole('heading', { name: 'Léa Martin', level: 1 }).waitFor();
      await page.getByText(`Le référent handicap recommande de neutraliser : ${nonCore}.`).waitFor();
      await expectAccessible();
      await shot(page, 'candidate');

      await page.getByRole('button', { name: `Neutraliser le critère ${nonCore}` }).click();
      await page.getByText(`Critère ${nonCore} neutralisé.`).waitFor();
      await page.getByRole('row', { name: new RegExp(`^${nonCore.replace('.', '\\.')}`) }).getByText('Neutralisé', { exact: true }).waitFor();

      // Deferring departs from the proposal: without a motivation the API refuses (422), and the form says why beside the field.
      const form = page.getByRole('form', { name: 'Décider le bloc BC01' });
      await form.getByLabel('Différé').check();
      await form.getByRole('button', { name: 'Enregistrer la décision du bloc BC01' }).click();
      const error = page.locator('#motivation-BC01-error');
      await error.filter({ hasText: 'Une motivation est obligatoire' }).waitFor();
      expect(await page.locator('#motivation-BC01').getAttribute('aria-invalid')).toBe('true');
      await expectAccessible();
      await shot(page, 'decision-motivation-required');

      await form.getByLabel('Motivation', { exact: true }).fill('Pièces complémentaires attendues : décision renvoyée à la prochaine délibération.');
      await form.getByRole('button', { name: 'Enregistrer la décision du bloc BC01' }).click();
      await page.getByText('Décision enregistrée pour le bloc BC01.').waitFor();
      await page.getByRole('region', { name: /^BC01/ }).locator('span.tag').filter({ hasText: /^Différé$/ }).waitFor();
    });

    it('refuses to overwrite a change made meanwhile from another token: "modifié entre-temps, rechargez"', async () => {
      // The screen shows the jury at its current version; the president changes it from elsewhere (another device).
      const token = await api.token(PRESIDENT.sub, ['jury'], PRESIDENT.name);
      const meanwhile = await fetch(`${api.baseUrl}/v1/juries/${demo.juryId}/decisions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ candidateId: demo.candidateIds[0], block: 'BC01', decision: 'validated' }),
      });
      expect(meanwhile.status).toBe(201);

      const form = page.getByRole('form', { name: 'Décider le bloc BC02' });
      await form.getByLabel('Validé', { exact: true }).check();
      await form.getByRole('button', { name: 'Enregistrer la décision du bloc BC02' }).click();
      await form.getByRole('alert').filter({ hasText: 'Modifié entre-temps : rechargez la page avant de recommencer' }).waitFor();
      await shot(page, 'concurrent-change');
      // Nothing was written: the block is still to decide; after a reload the same decision goes through.
      await form.getByRole('button', { name: 'Recharger la page' }).click();
      const reloaded = page.getByRole('form', { name: 'Décider le bloc BC02' });
      await reloaded.getByLabel('Validé', { exact: true }).check();
      await reloaded.getByRole('button', { name: 'Enregistrer la décision du bloc BC02' }).click();
      await page.getByText('Décision enregistrée pour le bloc BC02.').waitFor();
    });

    it('shows the sheet with its counters and filters, at desktop and tablet width', async () => {
      await page.getByRole('link', { name: '← Retour à la feuille de délibération' }).click();
      await page.getByRole('heading', { name: /^Délibération — / }).waitFor();
      expect(await page.locator('#progress-blocks').getAttribute('value')).toBe('2');
      // The confirmations of the decisions just made would hide a corner of the sheet.
      await page.evaluate("document.querySelector('.notices').replaceChildren()");
      await expectAccessible();
      await shot(page, 'deliberation-sheet');

      await page.getByLabel('Décision').selectOption('deferred');
      await page.getByRole('button', { name: 'Filtrer' }).click();
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('table.deliberation tbody tr').length === 1);
      expect(await page.locator('table.deliberation tbody tr th').textContent()).toContain('MARTIN Léa');

      await page.setViewportSize({ width: 800, height: 1100 });
      await expectAccessible();
      await shot(page, 'deliberation-sheet-tablet');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    it('closes after confirmation, downloads the sealed PV and approves it', async () => {
      await page.getByRole('link', { name: 'Mes jurys' }).first().click();
      await page.getByRole('link', { name: 'Session de démonstration — juin 2026' }).click();
      await page.getByRole('button', { name: 'Clore la délibération…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Clore la délibération ?' });
      await dialog.waitFor();
      await shot(page, 'close-confirmation');
      await dialog.getByRole('button', { name: 'Clore et sceller' }).click();
      await page.getByText('Délibération close et procès-verbal scellé.').waitFor();
      expect(await status()).toBe('Clos et scellé');

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Télécharger le procès-verbal (PDF)' }).click()]);
      expect(download.suggestedFilename()).toBe(`proces-verbal-${demo.juryId}.pdf`);
      expect(readFileSync((await download.path())!).subarray(0, 5).toString()).toBe('%PDF-');

      await page.getByRole('button', { name: 'Approuver le procès-verbal' }).click();
      await page.getByText('Procès-verbal approuvé.').waitFor();
      await page.getByText(/Vous avez approuvé le procès-verbal/).waitFor();
      await expectAccessible();
      await shot(page, 'deliberation-closed');
      expect(problems).toEqual([]);
    });

    it('a member reads the sealed sheet without the president\'s commands, and approves too', async () => {
      const other = await browser.newContext({ viewport: { width: 1024, height: 900 } });
      const memberPage = await other.newPage();
      const memberProblems = watchPage(memberPage);
      await signIn(memberPage, api.baseUrl, 'jury', MEMBER, `#/juries/${demo.juryId}`);
      await memberPage.getByRole('heading', { name: /^Délibération — / }).waitFor();
      expect(await memberPage.getByRole('button', { name: /Clore|Ouvrir/ }).count()).toBe(0);
      await memberPage.getByRole('button', { name: 'Approuver le procès-verbal' }).click();
      await memberPage.getByText('Procès-verbal approuvé.').waitFor();
      await memberPage.getByText(/2 approbation\(s\)/).waitFor();
      expect(memberProblems).toEqual([]);
      await other.close();
    });
  });
});
