import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DemoResult } from '../../apps/api/src/demo/demo-session';
import { seedReferential } from '../../apps/api/src/demo/demo-session';
import { checkA11y, describeInBrowser, launchChromium, shot, signIn, watchPage } from './support/browser';
import { MEMBER, PRESIDENT, seedDeliberationReadySession, startConsoleApi, type ConsoleApi } from './support/console-api';

/**
 * The president deliberates the demo session in a real browser, as in the
 * deliberation room: the juries, the sheet, a candidate, a neutralisation on
 * the referent's opinion, decisions (one refused for its missing motivation,
 * shown in French next to the field), a change made meanwhile from another
 * token (412: "modifié entre-temps"), the closing, the sealed PV; then a
 * member approves it. axe-core checks each main screen; screenshots of each
 * are saved under test/console/screenshots/.
 */
describeInBrowser('the jury president deliberates in the console (Chromium)', () => {
  let api: ConsoleApi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let demo: DemoResult;
  const lastBlock = seedReferential().blocks.at(-1)!;
  const nonCore = lastBlock.competences.flatMap((c) => c.criteria).find((c) => !c.core)!.code;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startConsoleApi(), launchChromium()]);
    demo = await seedDeliberationReadySession(api);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'fr-FR' });
    page = await context.newPage();
    problems = watchPage(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const expectAccessible = async () => expect(await checkA11y(page)).toEqual([]);
  const status = () => page.locator('#jury-status').textContent();

  it('lists the juries of the president and opens the deliberation from its sheet', async () => {
    await signIn(page, api.baseUrl, 'jury', PRESIDENT);
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
    await form.getByLabel('Ajourné').check();
    await form.getByRole('button', { name: 'Enregistrer la décision du bloc BC01' }).click();
    const error = page.locator('#motivation-BC01-error');
    await error.filter({ hasText: 'Une motivation est obligatoire' }).waitFor();
    expect(await page.locator('#motivation-BC01').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible();
    await shot(page, 'decision-motivation-required');

    await form.getByLabel('Motivation', { exact: true }).fill('Pièces complémentaires attendues : décision renvoyée à la prochaine délibération.');
    await form.getByRole('button', { name: 'Enregistrer la décision du bloc BC01' }).click();
    await page.getByText('Décision enregistrée pour le bloc BC01.').waitFor();
    await page.getByRole('region', { name: /^BC01/ }).locator('span.tag').filter({ hasText: /^Ajourné$/ }).waitFor();
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
