import type { Route } from '../../router.js';

export const routes: Route[] = [];
