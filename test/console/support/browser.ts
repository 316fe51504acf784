import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * The machine's Chromium driven by playwright-core (no browser download): the
 * console's tests run in a real browser. Without a Chromium the browser suites
 * are skipped, saying which path was looked at; with one, they must pass.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * What the tests' page.evaluate callbacks use of the browser: the test files are
 * type-checked for Node (no DOM library), and the callbacks run in the page, where
 * `globalThis` is the window (a closure over Node code would not reach it).
 */
export interface BrowserWindow {
  sessionStorage: { length: number; getItem(key: string): string | null; setItem(key: string, value: string): void };
  axe?: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> };
  document: unknown;
}

export const SCREENSHOTS = join(__dirname, '..', 'screenshots');

export function chromiumFound(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** `describe` when a Chromium is installed, `describe.skip` with a warning naming the path otherwise. */
export function describeInBrowser(name: string, body: () => void): void {
  if (chromiumFound()) return describe(name, body);
  console.warn(`${name}: skipped, no Chromium at ${CHROMIUM_PATH} (install it, e.g. apt-get install chromium, or set CHROMIUM_PATH)`);
  describe.skip(name, body);
}

/** One headless Chromium, its own fresh profile (playwright creates and removes a temporary user-data-dir per launch), nothing reaching the network on its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Collects what would go unnoticed in a real browser: uncaught exceptions,
 * console errors (a CSP refusal is one) and failed requests of the console's
 * own files. A test ends with `expect(problems).toEqual([])`.
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (msg) => {
    // 4xx answers the screen handles itself (a 412, a 422) are logged by Chromium as failed loads: they are expected.
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) problems.push(`console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    if (req.url().includes('/console/')) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  return problems;
}

export interface SignInUser {
  sub: string;
  name: string;
}

let defaultBaseUrl: string | null = null;

/** The API the tests' pages sign in to when a test does not name one (startConsoleApi sets it). */
export function setConsoleBaseUrl(baseUrl: string): void {
  defaultBaseUrl = baseUrl;
}

/**
 * Signs in through the development sign-in page, as a person would, and waits
 * for the console's menu; then shows `hash` (the home page by default).
 * `signIn(page, role, user[, hash])` signs in to the API startConsoleApi
 * started last; `signIn(page, baseUrl, role, user[, hash])` to another.
 */
export async function signIn(page: Page, role: string | string[], user: SignInUser, hash?: string): Promise<void>;
export async function signIn(page: Page, baseUrl: string, role: string | string[], user: SignInUser, hash?: string): Promise<void>;
export async function signIn(page: Page, ...args: unknown[]): Promise<void> {
  const explicit = typeof args[0] === 'string' && /^https?:\/\//.test(args[0]);
  const [baseUrl, role, user, hash = '#/'] = (explicit ? args : [defaultBaseUrl, ...args]) as [string | null, string | string[], SignInUser, string | undefined];
  if (!baseUrl) throw new Error('signIn: no API started (startConsoleApi) and no base URL given');
  const roles = Array.isArray(role) ? role : [role];
  await page.goto(`${baseUrl}/console/${hash}`);
  await page.getByLabel('Identifiant de l’utilisateur').fill(user.sub);
  await page.getByLabel('Nom affiché').fill(user.name);
  for (const box of await page.locator('input[name="roles"]').all()) {
    const value = await box.getAttribute('value');
    if (roles.includes(value!)) await box.check();
    else await box.uncheck();
  }
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
}

const AXE_SOURCE = (): string => readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core on the page as it is and returns the serious and critical
 * violations (WCAG 2.1 A and AA rules). axe is evaluated through the DevTools
 * protocol, which the page's Content-Security-Policy does not govern: the
 * policy under test stays as strict as in production.
 */
export async function checkA11y(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as unknown as BrowserWindow).axe !== 'undefined');
  if (!loaded) await page.evaluate(`${AXE_SOURCE()}\n;undefined`);
  const violations = await page.evaluate(async () => {
    const window = globalThis as unknown as BrowserWindow;
    const result = await window.axe!.run(window.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Saves a full-page screenshot as test/console/screenshots/<name>.png (git-ignored), to be looked at. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
