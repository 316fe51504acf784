import type { AddressInfo } from 'node:net';
import type { Role } from '@app/domain/shared/decider';
import type { EventStore } from '@app/event-store/event-store';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { runDemo, type DemoResult, type DemoTokens } from '../../../apps/api/src/demo/demo-session';
import { startTestApp, type TestApp } from '../../support/app';
import { setConsoleBaseUrl } from './browser';

/**
 * The whole API for a browser test: a fresh schema of the local PostgreSQL,
 * listening on a free loopback port (the browser needs a real address), the
 * console served from dist/console (built by jest's global setup).
 */
export interface ConsoleApi {
  t: TestApp;
  baseUrl: string;
  token(sub: string, roles: Role[], name?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startConsoleApi(env: Record<string, string> = {}): Promise<ConsoleApi> {
  const t = await startTestApp({ env });
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  setConsoleBaseUrl(`http://127.0.0.1:${port}`);
  return { t, baseUrl: `http://127.0.0.1:${port}`, token: (sub, roles, name) => t.token(sub, roles, name ?? sub), close: () => t.close() };
}

/** The people of the demo session (apps/api/src/demo), as the tests sign in. */
export const PRESIDENT = { sub: 'pres-1', name: 'Claire Petit' };
export const MEMBER = { sub: 'pro-1', name: 'Marc Leroy' };

export async function demoTokens(api: ConsoleApi): Promise<DemoTokens> {
  return {
    admin: await api.token('admin-1', ['admin'], 'Back Office'),
    assessor: await api.token('eval-1', ['assessor'], 'Évaluatrice'),
    referent: await api.token('ref-1', ['referent'], 'Référent handicap'),
    president: await api.token(PRESIDENT.sub, ['jury'], PRESIDENT.name),
    regulator: await api.token('reg-1', ['regulator'], 'Auditeur'),
  };
}

/**
 * The demo session played through HTTP up to a jury convened and not yet
 * opened: candidates scored, accommodations applied, a referent's opinion
 * recommending a neutralisation the jury has not made yet. The browser test
 * then deliberates it as the president would.
 */
export async function seedDeliberationReadySession(api: ConsoleApi, candidates = 4): Promise<DemoResult> {
  const demo = await runDemo({ baseUrl: api.baseUrl, tokens: await demoTokens(api), candidates, until: 'convened', log: () => undefined });
  await readModelsCaughtUp(api);
  return demo;
}

/**
 * Waits until every read model has applied the log as it stands. What a test
 * wrote through the API is not known to the browser's console (which waits for
 * its own writes with X-Min-Position), and the read models follow a steady
 * flow of commands a few tens of milliseconds behind.
 */
export async function readModelsCaughtUp(api: ConsoleApi): Promise<void> {
  const runtime = api.t.app.get(ProjectionRuntime);
  const head = await api.t.app.get<EventStore>(EVENT_STORE).headPosition();
  for (const { name } of runtime.projections) {
    if (!(await runtime.waitFor(name, head, 30_000))) throw new Error(`the read model ${name} did not reach position ${head} within 30 s`);
  }
}
