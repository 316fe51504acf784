import type { Route } from '../../router.js';
import { candidateScreen, candidatesScreen } from './candidates.js';
import { cdcScreen, juriesScreen } from './juries.js';
import { referentialsScreen } from './referentials.js';
import { assessorsScreen, sessionScreen, sessionsScreen } from './sessions.js';

/** The back office's screens (role admin): what the certifier's staff run the certification with. */
export const routes: Route[] = [
  { path: '/admin/referentiels', title: 'Référentiels', roles: ['admin'], nav: 'Référentiels', render: referentialsScreen },
  { path: '/admin/sessions', title: 'Sessions', roles: ['admin'], nav: 'Sessions', render: sessionsScreen },
  { path: '/admin/sessions/:id', title: 'Session', roles: ['admin'], render: sessionScreen },
  { path: '/admin/evaluateurs', title: 'Évaluateurs', roles: ['admin'], nav: 'Évaluateurs', render: assessorsScreen },
  { path: '/admin/candidats', title: 'Candidats', roles: ['admin'], nav: 'Candidats', render: candidatesScreen },
  { path: '/admin/candidats/:id', title: 'Dossier du candidat', roles: ['admin'], render: candidateScreen },
  { path: '/admin/jurys', title: 'Jurys', roles: ['admin'], nav: 'Jurys', render: juriesScreen },
  { path: '/admin/cdc', title: 'Déclarations CDC', roles: ['admin'], nav: 'Déclarations CDC', render: cdcScreen },
];
