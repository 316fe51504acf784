import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, SEED_REFERENTIAL } from '../support/scenario';
import { openScreens, ScreensBrowser } from './screens-support';
import { describeInBrowser } from './support/browser';
import { ConsoleApi, startConsoleApi } from './support/console-api';

/**
 * The back office in a real browser, as staff would run a certification:
 * import a referential (a faulty one first, whose faults show with their
 * paths), publish it, open a session, register a candidate, find them by
 * name, enrol them, request an accommodation, read the referent's opinion,
 * decide it — and a decision on a file changed meanwhile is refused with
 * the "reload" message instead of overwriting.
 */
describeInBrowser('console: the back office', () => {
  let api: ConsoleApi;
  let browser: ScreensBrowser;
  let admin: ApiClient;
  let referent: ApiClient;
  const files = mkdtempSync(join(tmpdir(), 'console-back-office-'));

  beforeAll(async () => {
    api = await startConsoleApi();
    admin = new ApiClient(api.baseUrl, await api.token('admin-1', ['admin'], 'Agnès Admin'));
    referent = new ApiClient(api.baseUrl, await api.token('referent-1', ['referent'], 'Rémi Référent'));
    browser = await openScreens(api.baseUrl, 'admin', { sub: 'admin-1', name: 'Agnès Admin' });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('imports a referential, shows the faults of a bad one with their paths, and publishes it', async () => {
    const page = browser.page;
    await browser.go('/admin/referentiels');
    const faulty = structuredClone(SEED_REFERENTIAL);
    delete faulty.blocks[0].competences[0].criteria[0].core;
    writeFileSync(join(files, 'faulty.json'), JSON.stringify(faulty));
    writeFileSync(join(files, 'seed.json'), JSON.stringify(SEED_REFERENTIAL));

    await page.getByLabel('Document du référentiel (JSON)').setInputFiles(join(files, 'faulty.json'));
    await page.getByRole('button', { name: 'Importer le brouillon' }).click();
    await page.locator('ul.fautes li', { hasText: 'blocks[0].competences[0].criteria[0].core' }).waitFor();

    await page.getByLabel('Document du référentiel (JSON)').setInputFiles(join(files, 'seed.json'));
    await page.getByRole('button', { name: 'Importer le brouillon' }).click();
    await page.getByText(/^Brouillon importé/).waitFor();
    await browser.axe('référentiels');
    await page.getByRole('button', { name: new RegExp(`^Publier ${SEED_REFERENTIAL.code}`) }).click();
    await page.getByText(`Référentiel ${SEED_REFERENTIAL.code} publié.`).waitFor();
    await page.locator('tbody tr', { hasText: SEED_REFERENTIAL.code }).filter({ hasText: 'publié' }).waitFor();
    expect(await page.getByRole('button', { name: /^Publier / }).count()).toBe(0);
    await browser.shoot('back-office-referentiels');
  });

  it('opens a session and assigns an assessor with the version it displayed', async () => {
    const page = browser.page;
    await browser.go('/admin/sessions');
    await page.getByLabel('Intitulé').fill('Session de juin');
    await page.getByLabel('Premier jour').fill('2026-06-01');
    await page.getByLabel('Dernier jour').fill('2026-06-30');
    await page.getByRole('button', { name: 'Ouvrir la session' }).click();
    await page.getByRole('link', { name: 'Session de juin' }).click();
    await browser.settled();
    await page.getByLabel('Identifiant de l’évaluateur').fill('assessor-1');
    await page.getByRole('button', { name: 'Affecter' }).click();
    await page.locator('tbody tr', { hasText: 'assessor-1' }).waitFor();
    await browser.axe('session');
    await browser.shoot('back-office-session');
  });

  it('registers a candidate, finds them by name, enrols them, and decides their accommodation on the referent’s opinion', async () => {
    const page = browser.page;
    await browser.go('/admin/candidats');
    await browser.axe('candidats');
    await page.getByLabel('Nom de naissance').nth(1).fill('Lefèvre');
    await page.getByLabel('Prénoms').nth(1).fill('Éloïse Marie');
    await page.getByLabel('Date de naissance').nth(1).fill('1994-05-12');
    await page.getByLabel('Courriel').nth(1).fill('eloise.lefevre@example.org');
    await page.getByLabel('Voie d’accès').selectOption('continuing-education');
    await page.getByRole('button', { name: 'Inscrire', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Lefèvre Éloïse Marie' }).waitFor();
    const candidateId = decodeURIComponent(page.url().split('/admin/candidats/')[1]);

    // Found whatever the case and accents typed.
    await browser.go('/admin/candidats');
    await page.getByLabel('Nom de naissance').first().fill('LEFEVRE');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await page.getByRole('link', { name: 'Lefèvre Éloïse Marie' }).click();
    await browser.settled();
    expect(page.url()).toContain(candidateId);

    await page.getByLabel('Session', { exact: true }).selectOption({ label: 'Session de juin (01/06/2026)' });
    await page.getByLabel(/^BC01 — /).check();
    await page.getByLabel(/^BC03 — /).check();
    await page.getByRole('button', { name: 'Inscrire à la session' }).click();
    await page.locator('table', { hasText: 'Inscriptions' }).locator('tbody tr', { hasText: 'BC01, BC03' }).filter({ hasText: 'Session de juin' }).waitFor();

    await page.getByLabel('Type d’aménagement').selectOption('extra-time');
    await page.getByLabel('Temps majoré (%)').fill('50');
    await page.getByLabel('Justification').fill('Trouble dys attesté par le médecin désigné par la MDPH.');
    await page.getByRole('button', { name: 'Enregistrer la demande' }).click();
    await page.getByText('En attente de l’avis du référent handicap').waitFor();

    const file = await admin.get(`/v1/candidates/${candidateId}`);
    const requestId = file.body.accommodationRequests[0].requestId;
    const opinion = await referent.post(`/v1/candidates/${candidateId}/accommodations/${requestId}/opinion`, { favourable: true, motivation: 'Le tiers-temps majoré est adapté au trouble constaté.' });
    expect(opinion.status).toBe(201);

    await page.reload();
    await browser.settled();
    await expect(page.locator('.avis').textContent()).resolves.toMatch(/^Favorable — Le tiers-temps majoré est adapté au trouble constaté\. \(referent-1, /);
    await browser.axe('dossier du candidat');
    await browser.shoot('back-office-dossier-candidat');

    // Someone else changes the file while this screen shows it: the decision is refused, not applied over it.
    const other = await admin.post(`/v1/candidates/${candidateId}/accommodations`, { accommodations: [{ type: 'assistant' }], justification: 'Assistant de lecture demandé par la famille.' });
    expect(other.status).toBe(201);
    const card = page.locator('article.amenagement').first();
    await card.getByLabel('Accorder').check();
    await card.getByLabel('Motif de la décision').fill('Avis favorable du référent, pièces médicales au dossier.');
    await card.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await card.getByText('Modifié entre-temps : rechargez la page avant de recommencer').waitFor();
    expect((await admin.get(`/v1/candidates/${candidateId}`)).body.accommodationRequests[0].status).toBe('opinion-given');

    await page.reload();
    await browser.settled();
    const fresh = page.locator('article.amenagement', { hasText: requestId.slice(0, 8) });
    await fresh.getByLabel('Accorder').check();
    await fresh.getByLabel('Motif de la décision').fill('Avis favorable du référent, pièces médicales au dossier.');
    await fresh.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await page.locator('article.amenagement', { hasText: requestId.slice(0, 8) }).locator('.decision-amenagement', { hasText: 'Accordé — Avis favorable du référent' }).waitFor();
    expect((await admin.get(`/v1/candidates/${candidateId}`)).body.accommodationRequests[0].status).toBe('granted');
  });

  it('convenes a jury and shows the CDC declarations', async () => {
    const page = browser.page;
    await browser.go('/admin/jurys');
    const members = page.locator('fieldset.membre');
    await members.nth(0).getByLabel('Identifiant').fill('pres-1');
    await members.nth(0).getByLabel('Nom affiché').fill('Claire Petit');
    await members.nth(0).getByLabel('Président').check();
    await members.nth(1).getByLabel('Identifiant').fill('pro-1');
    await members.nth(1).getByLabel('Nom affiché').fill('Paul Pro');
    await members.nth(1).getByLabel('Professionnel du métier').check();
    await page.getByRole('button', { name: 'Convoquer le jury' }).click();
    await page.getByText(/^Jury convoqué/).waitFor();
    await expect(page.locator('tbody tr').first().textContent()).resolves.toMatch(/Session de juin.*Paul Pro \(professionnel\)/);
    await browser.axe('jurys');
    await browser.shoot('back-office-jurys');

    await browser.go('/admin/cdc');
    await page.getByText('Aucune certification délivrée sur la période.').waitFor();
    await browser.axe('déclarations CDC');
    expect(browser.problems).toEqual([]);
  });
});
