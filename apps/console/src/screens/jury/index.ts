import type { Route } from '../../router.js';
import { candidateScreen } from './candidate.js';
import { juriesScreen } from './juries.js';
import { sheetScreen } from './sheet.js';

/** The jury's screens: the juries a member sits on, a deliberation's sheet, a candidate before the jury. */
export const routes: Route[] = [
  { path: '/juries', title: 'Mes jurys', roles: ['jury'], nav: 'Mes jurys', render: (ctx) => juriesScreen(ctx) },
  { path: '/juries/:id', title: 'Feuille de délibération', roles: ['jury'], render: (ctx, params, query) => sheetScreen(ctx, params, query) },
  { path: '/juries/:id/candidates/:candidateId', title: 'Candidat devant le jury', roles: ['jury'], render: (ctx, params) => candidateScreen(ctx, params) },
];
