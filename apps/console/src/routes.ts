import type { Route } from './router.js';
import { routes as jury } from './screens/jury/index.js';
import { routes as regulator } from './screens/regulator/index.js';
import { routes as backOffice } from './screens/back-office/index.js';

/** Every screen of the console; the first route whose path matches the hash is shown. */
export const routes: Route[] = [...jury, ...regulator, ...backOffice];
