import { h } from './dom.js';
import { beginSignIn } from './oidc.js';
import { ROLE_LABELS, ROLES, type Role } from './router.js';
import { saveToken, type ConsoleConfig } from './session.js';

/** People of the demo session (`npm run demo`), to sign in as one of them in a click. */
const DEMO_PROFILES: Array<{ sub: string; name: string; roles: Role[]; label: string }> = [
  { sub: 'pres-1', name: 'Claire Petit', roles: ['jury'], label: 'Claire Petit — présidente du jury' },
  { sub: 'pro-1', name: 'Marc Leroy', roles: ['jury'], label: 'Marc Leroy — membre du jury' },
  { sub: 'admin-1', name: 'Back Office', roles: ['admin'], label: 'Back Office — administration' },
  { sub: 'reg-1', name: 'Auditeur', roles: ['regulator'], label: 'Auditeur — régulateur' },
  { sub: 'ref-1', name: 'Référent handicap', roles: ['referent'], label: 'Référent handicap' },
];

/** The sign-in page: the provider's button in production, the development form elsewhere. */
export function signInPage(config: ConsoleConfig, onSignedIn: () => void, problem?: string): HTMLElement {
  const body: Node[] = [];
  if (problem) body.push(h('p', { class: 'notice error', role: 'alert' }, `La connexion a échoué : ${problem}`));
  if (config.signIn === 'oidc' && config.oidc) {
    const settings = config.oidc;
    const status = h('p', { role: 'status', class: 'muted' });
    body.push(
      h('p', null, 'Connectez-vous avec le compte de votre organisation.'),
      h('button', {
        type: 'button',
        class: 'primary',
        onClick: () => {
          status.textContent = 'Redirection vers le fournisseur d’identité…';
          beginSignIn(settings).catch((e: Error) => (status.textContent = `Le fournisseur d’identité ne répond pas : ${e.message}`));
        },
      }, 'Se connecter'),
      status,
    );
  } else if (config.signIn === 'development') {
    body.push(developmentForm(onSignedIn));
  } else {
    body.push(h('p', { class: 'notice error', role: 'alert' }, 'La connexion n’est pas configurée sur ce serveur (CONSOLE_OIDC_ISSUER et CONSOLE_OIDC_CLIENT_ID, voir docs/console.md).'));
  }
  return h('main', { id: 'main', class: 'signin', tabindex: '-1' }, h('div', { class: 'card' }, h('h1', null, 'Console de certification'), ...body));
}

function developmentForm(onSignedIn: () => void): HTMLElement {
  const sub = h('input', { id: 'dev-sub', name: 'sub', required: true, autocomplete: 'username', value: 'pres-1', maxlength: '200' }) as HTMLInputElement;
  const name = h('input', { id: 'dev-name', name: 'name', required: true, value: 'Claire Petit', maxlength: '200' }) as HTMLInputElement;
  const boxes = ROLES.map((role) => h('input', { type: 'checkbox', id: `dev-role-${role}`, name: 'roles', value: role, checked: role === 'jury' }) as HTMLInputElement);
  const error = h('p', { class: 'field-error', id: 'dev-error', role: 'alert' });
  const profile = h(
    'select',
    {
      id: 'dev-profile',
      onChange: (e: Event) => {
        const chosen = DEMO_PROFILES.find((p) => p.sub === (e.target as HTMLSelectElement).value);
        if (!chosen) return;
        sub.value = chosen.sub;
        name.value = chosen.name;
        for (const box of boxes) box.checked = chosen.roles.includes(box.value as Role);
      },
    },
    h('option', { value: '' }, '— choisir —'),
    DEMO_PROFILES.map((p) => h('option', { value: p.sub }, p.label)),
  );
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Se connecter') as HTMLButtonElement;
  const form = h(
    'form',
    {
      class: 'stack',
      'aria-describedby': 'dev-warning',
      onSubmit: async (e: Event) => {
        e.preventDefault();
        error.textContent = '';
        const roles = boxes.filter((b) => b.checked).map((b) => b.value);
        if (roles.length === 0) {
          error.textContent = 'Choisissez au moins un rôle.';
          return;
        }
        submit.disabled = true;
        try {
          const res = await fetch('/console/dev/token', {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ sub: sub.value.trim(), name: name.value.trim(), roles }),
          });
          if (!res.ok) {
            error.textContent = res.status === 400 ? 'Identifiant ou nom invalide.' : `Le serveur a refusé la connexion de développement (${res.status}).`;
            return;
          }
          saveToken(((await res.json()) as { token: string }).token);
          onSignedIn();
        } catch {
          error.textContent = 'Le serveur ne répond pas.';
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('p', { id: 'dev-warning', class: 'notice' }, 'Connexion de développement : aucun fournisseur d’identité n’est configuré, le serveur signe lui-même un jeton de test. Elle n’existe pas en production.'),
    h('div', { class: 'field' }, h('label', { for: 'dev-profile' }, 'Profil de démonstration'), profile),
    h('div', { class: 'field' }, h('label', { for: 'dev-sub' }, 'Identifiant de l’utilisateur'), sub),
    h('div', { class: 'field' }, h('label', { for: 'dev-name' }, 'Nom affiché'), name),
    h('fieldset', null, h('legend', null, 'Rôles'), ROLES.map((role, i) => h('div', { class: 'check' }, boxes[i], h('label', { for: `dev-role-${role}` }, ROLE_LABELS[role])))),
    error,
    submit,
  );
  return form;
}
