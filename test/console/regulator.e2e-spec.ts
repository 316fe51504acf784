import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, SEED_CRITERIA, setUpScenario } from '../support/scenario';
import { openScreens, ScreensBrowser } from './screens-support';
import { describeInBrowser } from './support/browser';
import { ConsoleApi, readModelsCaughtUp, startConsoleApi } from './support/console-api';

/**
 * The regulator's screens in a real browser: time travel on a candidate's
 * progress and on a jury's record (an instant before the decision shows the
 * earlier state, after it the later one), the pseudonymised timeline with its
 * type filter, and the ledger export verified offline with the very command
 * the screen prints.
 */
describeInBrowser('console: the regulator', () => {
  let api: ConsoleApi;
  let browser: ScreensBrowser;
  let candidateId: string;
  let juryId: string;
  let sessionId: string;
  /** An instant after the scores and before the jury's decision, to the second. */
  let beforeDecision: Date;
  const downloads = mkdtempSync(join(tmpdir(), 'console-regulator-'));

  beforeAll(async () => {
    api = await startConsoleApi();
    const as = async (sub: string, roles: Parameters<ConsoleApi['token']>[1], name?: string) => new ApiClient(api.baseUrl, await api.token(sub, roles, name));
    const admin = await as('admin-1', ['admin']);
    const assessor = await as('assessor-1', ['assessor']);
    const president = await as('pres-1', ['jury'], 'Claire Petit');
    const scenario = await setUpScenario(admin, { candidates: 1, blocks: ['BC01'], assessors: ['assessor-1'] });
    [candidateId] = scenario.candidateIds;
    sessionId = scenario.sessionId;
    for (const { criterion } of SEED_CRITERIA.filter((c) => c.block === 'BC01')) {
      const scored = await assessor.post(`/v1/candidates/${candidateId}/scores`, { sessionId, criterion, result: 'acquired' });
      expect(scored.status).toBe(201);
    }
    const convened = await admin.post('/v1/juries', { sessionId, members: [{ userId: 'pres-1', name: 'Claire Petit', president: true, professional: true }] });
    expect(convened.status).toBe(201);
    juryId = convened.body.id;
    expect((await president.post(`/v1/juries/${juryId}/open`, {})).status).toBe(201);
    // The picker works to the second: the instant chosen must be a whole second after the scores and the opening,
    // and the decision must fall in a later second.
    const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1050 - (Date.now() % 1000)));
    await nextSecond();
    beforeDecision = new Date(Math.floor(Date.now() / 1000) * 1000);
    await nextSecond();
    expect((await president.post(`/v1/juries/${juryId}/decisions`, { candidateId, block: 'BC01', decision: 'validated' })).status).toBe(201);
    expect((await president.post(`/v1/juries/${juryId}/close`, {})).status).toBe(201);
    await readModelsCaughtUp(api);
    browser = await openScreens(api.baseUrl, 'regulator', { sub: 'regulator-1', name: 'Régis Contrôle' });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    rmSync(downloads, { recursive: true, force: true });
  });

  it("travels in time on a candidate's progress: before the decision the block is undecided, after it validated", async () => {
    const page = browser.page;
    await browser.go(`/regulateur/candidats/${candidateId}`);
    const row = page.locator('table', { hasText: 'Progression par bloc' }).locator('tbody tr', { hasText: 'BC01' });
    await expect(row.textContent()).resolves.toContain('validé');
    await browser.shoot('regulateur-progression');
    await browser.axe('progression et historique du candidat');

    await page.getByLabel('Afficher tel qu’à la date du').fill(await browser.localValue(beforeDecision));
    await page.getByRole('button', { name: 'Afficher à cette date' }).click();
    await page.getByText(/^État au /).waitFor();
    await expect(row.textContent()).resolves.toMatch(/acquis.*non délibéré/);
    expect(page.url()).toContain('asOf=');

    await page.getByLabel('Afficher tel qu’à la date du').fill(await browser.localValue(new Date(Date.now() + 1000)));
    await page.getByRole('button', { name: 'Afficher à cette date' }).click();
    await page.locator('table', { hasText: 'Progression par bloc' }).locator('tbody tr', { hasText: 'validé' }).waitFor();

    await page.getByRole('button', { name: 'Maintenant' }).click();
    await page.getByText('État actuel').first().waitFor();
    await expect(row.textContent()).resolves.toContain('validé');
  });

  it("shows the candidate's timeline under a pseudonym, filtered by event type", async () => {
    const page = browser.page;
    await browser.go(`/regulateur/candidats/${candidateId}`);
    const entries = page.locator('table', { hasText: 'Évènements du dossier' }).locator('tbody tr');
    await entries.first().waitFor();
    const all = await entries.count();
    expect(all).toBeGreaterThan(5);
    const text = await page.locator('main').textContent();
    // The scenario's candidate is "Camille0 Fiable": a regulator reads neither.
    expect(text).not.toMatch(/Fiable|Camille0/);
    expect(text).toContain('Inscription');

    await page.getByLabel('Types d’évènement').selectOption(['BlockDecided']);
    await page.getByRole('button', { name: 'Filtrer' }).click();
    // The filtered page replaces the whole list: wait until no scoring entry is left.
    await page.locator('table', { hasText: 'Évènements du dossier' }).locator('tbody tr', { hasText: 'Critère évalué' }).first().waitFor({ state: 'detached' });
    const rows = await entries.allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Bloc délibéré');
    expect(rows[0]).toContain('pres-1 (jury)');
  });

  it("travels in time on the jury's record: open and undecided before, closed and validated after", async () => {
    const page = browser.page;
    await browser.go(`/regulateur/jurys/${juryId}`);
    const status = page.locator('.statut-jury');
    await expect(status.textContent()).resolves.toBe('clos');
    const decisions = page.locator('table', { hasText: 'Décisions par candidat et par bloc' }).locator('tbody tr');
    await expect(decisions.first().textContent()).resolves.toContain('validé');
    await browser.shoot('regulateur-proces-verbal');
    await browser.axe('procès-verbal');

    await page.getByLabel('Afficher tel qu’à la date du').fill(await browser.localValue(beforeDecision));
    await page.getByRole('button', { name: 'Afficher à cette date' }).click();
    await page.locator('.statut-jury', { hasText: 'délibération ouverte' }).waitFor();
    await expect(decisions.first().textContent()).resolves.toContain('non délibéré');

    await page.getByLabel('Afficher tel qu’à la date du').fill(await browser.localValue(new Date(beforeDecision.getTime() - 3_600_000)));
    await page.getByRole('button', { name: 'Afficher à cette date' }).click();
    await page.getByText('Le jury n’était pas encore convoqué à cette date.').waitFor();
  });

  it('lists sessions and juries with their counts', async () => {
    const page = browser.page;
    await browser.go('/regulateur/sessions');
    const row = page.locator('tbody tr', { hasText: 'Session de fiabilité' });
    await expect(row.textContent()).resolves.toMatch(/BC|RNCP/);
    await browser.axe('sessions');
    await row.getByRole('link', { name: /jury/ }).click();
    await page.locator('tbody tr', { hasText: 'Claire Petit' }).waitFor();
    await expect(page.locator('tbody tr').first().textContent()).resolves.toContain('clos');
    await browser.shoot('regulateur-jurys');
    await browser.go(`/regulateur/sessions/${sessionId}`);
    await page.getByText('Blocs délibérés sur cette page : 1 / 1').waitFor();
    await expect(page.locator('main').textContent()).resolves.not.toContain('Fiable');
  });

  it('shows the ledger status, verifies it, and exports a bundle that the printed command verifies offline', async () => {
    const page = browser.page;
    await browser.go('/regulateur/registre');
    await page.getByText('Évènements scellés').waitFor();
    await page.getByRole('button', { name: 'Vérifier le registre stocké' }).click();
    await page.getByText(/^Intègre : \d+ évènements/).waitFor();
    await browser.shoot('regulateur-registre');
    await browser.axe('registre d’audit');

    const command = (await page.locator('pre.commande').textContent())!.trim();
    expect(command).toMatch(/^npm run -s verify -- registre-\d{4}-\d{2}-\d{2}\.ndjson$/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Exporter le registre' }).click()]);
    const file = join(downloads, download.suggestedFilename());
    expect(command.endsWith(download.suggestedFilename())).toBe(true);
    await download.saveAs(file);
    // What `npm run -s verify` runs (package.json), without npm's start-up time.
    const out = execFileSync(process.execPath, [join(__dirname, '../../libs/proof/src/verify-bundle.js'), file], { encoding: 'utf8' });
    expect(out).toMatch(/^OK: \d+ events/);
    expect(browser.problems).toEqual([]);
  });
});
