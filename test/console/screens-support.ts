import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { checkA11y, launchChromium, SCREENSHOTS, shot, signIn, watchPage } from './support/browser';

const DESKTOP = { width: 1280, height: 900 };
/** A tablet in the deliberation room, held upright. */
const TABLET = { width: 820, height: 1180 };

export interface ScreensBrowser {
  page: Page;
  /** Uncaught errors, console errors (a CSP refusal is one) and failed loads of the console's files. */
  problems: string[];
  /** Opens a screen by its hash path and waits until it has rendered. */
  go(path: string): Promise<void>;
  /** Waits until the routed screen has rendered (after a click that navigates, or a reload). */
  settled(): Promise<void>;
  /** Saves the screen at 1280 px and at a tablet's width under test/console/screenshots/. */
  shoot(name: string): Promise<void>;
  /** Fails on any serious or critical axe-core violation of the screen as it is. */
  axe(what: string): Promise<void>;
  /** An instant as a datetime-local picker's value in the browser's time zone, to the second. */
  localValue(at: Date): Promise<string>;
  close(): Promise<void>;
}

/**
 * The regulator's and the back office's browser tests on the shell's
 * support (test/console/support/browser.ts): Chromium at 1280 px in Paris
 * time, signed in through the development sign-in page as a person would.
 */
export async function openScreens(baseUrl: string, role: string, user: { sub: string; name: string }): Promise<ScreensBrowser> {
  const browser: Browser = await launchChromium();
  const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  const problems = watchPage(page);
  await signIn(page, baseUrl, role, user);
  const settled = async () => {
    try {
      // Callbacks, never strings: the console's CSP forbids eval, which a string expression needs in the page.
      // They run in the browser, where globalThis is the window (these files are type-checked without the DOM library).
      await page.waitForFunction(() => !(globalThis as any).document.querySelector('main .loading') && !!(globalThis as any).document.querySelector('main h1'), undefined, { timeout: 10_000 });
    } catch (error) {
      // Say what the page shows instead: an error screen, "Accès refusé", a blank page after a CSP refusal.
      const shown = await page.evaluate(() => (globalThis as any).document.body.innerText.slice(0, 500)).catch(() => '(page unreadable)');
      throw new Error(`the screen did not render (${page.url()}): ${String(shown)}\nproblems: ${problems.join('\n')}\n${String(error)}`);
    }
  };
  return {
    page,
    problems,
    settled,
    async go(path) {
      await page.evaluate((hash) => {
        (globalThis as any).location.hash = hash;
      }, path);
      await page.waitForFunction((hash) => (globalThis as any).location.hash === `#${hash}`, path);
      await settled();
    },
    async shoot(name) {
      await shot(page, name);
      await page.setViewportSize(TABLET);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-tablette.png`), fullPage: true });
      await page.setViewportSize(DESKTOP);
    },
    async axe(what) {
      const serious = await checkA11y(page);
      if (serious.length) throw new Error(`axe-core on ${what}: ${JSON.stringify(serious, null, 2)}`);
    },
    async localValue(at) {
      return String(
        await page.evaluate((ms) => {
          const d = new Date(ms);
          const pad = (n: number) => String(n).padStart(2, '0');
          return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
        }, at.getTime()),
      );
    },
    close: () => browser.close(),
  };
}
