import type { Browser } from 'playwright-core';
import { describeInBrowser, launchChromium, watchPage } from './support/browser';
import { startConsoleApi, type ConsoleApi } from './support/console-api';
import { startFakeProvider, type FakeProvider } from './support/fake-provider';

/**
 * The production sign-in, whole, in a real browser: the API trusts an
 * identity provider (a fake one started here) and the console signs in there
 * with Authorization Code + PKCE, then calls the API with the access token.
 * The development sign-in does not exist in this configuration.
 */
describeInBrowser('console sign-in with an OpenID Connect provider (Chromium)', () => {
  const AUDIENCE = 'urn:cert:api:test';
  const CLIENT = 'cert-console';
  let provider: FakeProvider;
  let api: ConsoleApi;
  let browser: Browser;

  beforeAll(async () => {
    provider = await startFakeProvider({ sub: 'pres-9', name: 'Paule Provider', roles: ['jury'] }, AUDIENCE, CLIENT);
    [api, browser] = await Promise.all([
      startConsoleApi({
        AUTH_JWT_PUBLIC_KEY: provider.publicKeyPem,
        AUTH_ISSUER: provider.issuer,
        AUTH_AUDIENCE: AUDIENCE,
        CONSOLE_OIDC_ISSUER: provider.issuer,
        CONSOLE_OIDC_CLIENT_ID: CLIENT,
      }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await provider?.close();
  });

  it('signs in at the provider with PKCE, then reads the API with the access token; no development sign-in', async () => {
    const config = await (await fetch(`${api.baseUrl}/console/config.json`)).json();
    expect(config).toEqual({ signIn: 'oidc', oidc: { issuer: provider.issuer, clientId: CLIENT, scope: 'openid profile' }, rolesClaim: 'roles' });
    const dev = await fetch(`${api.baseUrl}/console/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'x', name: 'x', roles: ['admin'] }) });
    expect(dev.status).toBe(404);
    const page = await (await browser.newContext()).newPage();
    const problems = watchPage(page);
    const csp = (await fetch(`${api.baseUrl}/console/`)).headers.get('content-security-policy');
    expect(csp).toContain(`connect-src 'self' ${provider.issuer}`);

    await page.goto(`${api.baseUrl}/console/#/juries`);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    // Back from the provider: signed in, on the screen asked for, the code gone from the address bar.
    await page.getByRole('heading', { name: 'Mes jurys' }).waitFor();
    expect(await page.locator('header .who').textContent()).toContain('Paule Provider (Jury)');
    expect(page.url()).toBe(`${api.baseUrl}/console/#/juries`);
    await page.getByText('Vous ne siégez dans aucun jury pour le moment.').waitFor();

    const [authorization] = provider.seen.authorizations;
    expect(authorization.get('redirect_uri')).toBe(`${api.baseUrl}/console/`);
    expect(authorization.get('code_challenge_method')).toBe('S256');
    expect(provider.seen.tokens).toHaveLength(1);
    expect(provider.seen.tokens[0].get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(provider.seen.tokens[0].has('client_secret')).toBe(false);

    // A redirect whose state this tab did not send is refused, and no code is exchanged.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Se connecter' }).waitFor();
    await page.goto(`${api.baseUrl}/console/?code=stolen&state=forged#/`);
    await page.getByText(/La connexion a échoué : no sign-in was started from this tab/).waitFor();
    expect(provider.seen.tokens).toHaveLength(1);
    expect(problems).toEqual([]);
  });
});
