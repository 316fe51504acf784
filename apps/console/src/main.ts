import { ApiError, createApiClient, type ApiClient } from './api.js';
import { clear, h } from './dom.js';
import { frenchMessage } from './errors.js';
import { completeSignIn, isCallback, providerSignOutUrl } from './oidc.js';
import { allowed, matchRoute, parseHash, ROLE_LABELS, type Route, type ScreenContext } from './router.js';
import { routes } from './routes.js';
import { clearSession, currentToken, sessionUser, type ConsoleConfig, type SessionUser } from './session.js';
import { signInPage } from './signin.js';

/**
 * The console's entry: reads the sign-in settings the API publishes, finishes
 * an identity provider's redirect when the page is one, then shows either the
 * sign-in page or the shell (menu, user, the routed screen).
 */
async function boot(): Promise<void> {
  const root = document.getElementById('app')!;
  let config: ConsoleConfig;
  try {
    const res = await fetch('/console/config.json', { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(String(res.status));
    config = (await res.json()) as ConsoleConfig;
  } catch {
    clear(root).appendChild(h('main', { id: 'main', class: 'signin' }, h('p', { class: 'notice error', role: 'alert' }, 'Le serveur ne répond pas : rechargez la page dans un instant.')));
    return;
  }
  let problem: string | undefined;
  if (config.signIn === 'oidc' && config.oidc && isCallback()) {
    problem = (await completeSignIn(config.oidc).catch((e: Error) => e.message)) ?? undefined;
  }
  const start = () => {
    const user = sessionUser(config.rolesClaim);
    if (user) new Shell(root, config, user).start();
    else {
      clearSession();
      clear(root).appendChild(signInPage(config, start, problem));
      problem = undefined;
      document.title = 'Connexion — Console de certification';
    }
  };
  start();
}

class Shell {
  private readonly api: ApiClient;
  private readonly main = h('main', { id: 'main', tabindex: '-1' });
  private readonly notices = h('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });
  private readonly nav = h('ul');
  /** Increases with every navigation: a slow screen that finishes after the user moved on is dropped. */
  private generation = 0;
  private readonly onHashChange = () => void this.render();

  constructor(
    private readonly root: HTMLElement,
    private readonly config: ConsoleConfig,
    private readonly user: SessionUser,
  ) {
    this.api = createApiClient({ token: currentToken, onUnauthorized: () => this.signOut(false) });
  }

  start(): void {
    const skip = h('button', { type: 'button', class: 'skip', onClick: () => this.main.focus() }, 'Aller au contenu');
    const header = h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: '#/' }, 'Console de certification'),
      h('nav', { 'aria-label': 'Menu principal' }, this.nav),
      h(
        'div',
        { class: 'who' },
        h('span', { class: 'user', title: this.user.sub }, this.user.name, h('span', { class: 'roles' }, ` (${this.user.roles.map((r) => ROLE_LABELS[r]).join(', ') || 'aucun rôle'})`)),
        h('button', { type: 'button', class: 'link', onClick: () => this.signOut(true) }, 'Se déconnecter'),
      ),
    );
    clear(this.root).append(skip, header, this.main, this.notices);
    window.addEventListener('hashchange', this.onHashChange);
    void this.render();
  }

  private context(): ScreenContext {
    return {
      api: this.api,
      user: this.user,
      navigate: (path) => {
        const target = `#${path.startsWith('/') ? path : `/${path}`}`;
        if (location.hash === target) void this.render();
        else location.hash = target;
      },
      notify: (message, kind = 'info') => this.notify(message, kind),
    };
  }

  private visibleRoutes(): Route[] {
    return routes.filter((r) => r.nav && allowed(r, this.user.roles));
  }

  private renderNav(path: string): void {
    clear(this.nav).append(
      ...this.visibleRoutes().map((r) => {
        const current = path === r.path || path.startsWith(`${r.path}/`);
        return h('li', null, h('a', { href: `#${r.path}`, 'aria-current': current ? 'page' : undefined }, r.nav!));
      }),
    );
  }

  async render(): Promise<void> {
    const generation = ++this.generation;
    const { path, query } = parseHash(location.hash);
    this.renderNav(path);
    const found = matchRoute(routes, path);
    let title = 'Accueil';
    let content: Node;
    clear(this.main).appendChild(h('p', { class: 'loading', 'aria-busy': 'true' }, 'Chargement…'));
    if (!found) {
      content = path === '/' ? this.home() : message('Page introuvable', 'Cette adresse ne correspond à aucun écran de la console.');
      title = path === '/' ? 'Accueil' : 'Page introuvable';
    } else if (!allowed(found.route, this.user.roles)) {
      title = 'Accès refusé';
      content = message('Accès refusé', 'Vos rôles ne donnent pas accès à cet écran.');
    } else {
      title = found.route.title;
      try {
        content = await found.route.render(this.context(), found.params, query);
      } catch (error) {
        if (generation !== this.generation) return;
        content = this.failure(error);
      }
    }
    if (generation !== this.generation) return;
    document.title = `${title} — Console de certification`;
    clear(this.main).appendChild(content);
    // Screen readers announce the new screen: focus goes to its heading, as after a page load.
    const heading = this.main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }

  private home(): Node {
    const entries = this.visibleRoutes();
    return h(
      'section',
      null,
      h('h1', null, `Bonjour ${this.user.name}`),
      entries.length
        ? [h('p', null, 'Choisissez un espace :'), h('ul', { class: 'tiles' }, entries.map((r) => h('li', null, h('a', { href: `#${r.path}` }, r.nav!))))]
        : h('p', null, 'Aucun écran de la console ne correspond à vos rôles.'),
    );
  }

  private failure(error: unknown): Node {
    const text = error instanceof ApiError ? frenchMessage(error) : 'L’écran n’a pas pu s’afficher.';
    if (!(error instanceof ApiError)) console.error(error);
    return h(
      'section',
      null,
      h('h1', null, 'Impossible d’afficher cet écran'),
      h('p', { class: 'notice error', role: 'alert' }, text),
      h('button', { type: 'button', onClick: () => void this.render() }, 'Recharger'),
    );
  }

  notify(text: string, kind: 'info' | 'error'): void {
    const close = h('button', { type: 'button', class: 'link', 'aria-label': 'Fermer le message' }, '×');
    const note = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : undefined }, h('span', null, text), close);
    close.addEventListener('click', () => note.remove());
    this.notices.appendChild(note);
    if (kind === 'info') setTimeout(() => note.remove(), 6_000);
  }

  private async signOut(byUser: boolean): Promise<void> {
    window.removeEventListener('hashchange', this.onHashChange);
    this.generation++;
    const provider = byUser && this.config.signIn === 'oidc' && this.config.oidc ? await providerSignOutUrl(this.config.oidc) : null;
    clearSession();
    if (provider) location.assign(provider);
    else location.reload();
  }
}

function message(title: string, text: string): Node {
  return h('section', null, h('h1', null, title), h('p', null, text), h('p', null, h('a', { href: '#/' }, 'Retour à l’accueil')));
}

void boot();
