import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../apps/api/src/bootstrap';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { signDevelopmentToken } from '@app/platform/auth/token-verifier';
import { loadConfig } from '@app/platform/config';
import { Role } from '@app/domain/shared/decider';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from './databases';

export interface TestApp {
  app: INestApplication;
  /** supertest bound to the app's HTTP server. */
  http: () => ReturnType<typeof request>;
  /** A valid development token for that user and roles. */
  token(sub: string, roles: Role[], name?: string): Promise<string>;
  dataDir: string;
  schema: string;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * The whole API on a fresh schema of the local PostgreSQL (or on a fresh
 * embedded database with `embedded: true`), with its own DATA_DIR and keys.
 */
export async function startTestApp(options: { embedded?: boolean; env?: Record<string, string> } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cert-app-'));
  const schema = uniqueSchema('e2e');
  const env: NodeJS.ProcessEnv = {
    ...(options.embedded ? {} : { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema }),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    // A suite sends hundreds of requests as one user from one address: the default limits would answer 429.
    RATE_LIMIT_PER_MINUTE_USER: '0',
    RATE_LIMIT_PER_MINUTE_IP: '0',
    ...options.env,
  };
  const config = loadConfig(env);
  const app = await createApp(config, env);
  await app.init();
  // Fastify builds its routes' hook chains when ready: supertest sends to the server without listen().
  await app.getHttpAdapter().getInstance().ready();
  const auth = loadAuthConfig(env, dataDir);
  return {
    app,
    http: () => request(app.getHttpServer()),
    token: (sub, roles, name) => signDevelopmentToken(auth, { sub, roles, name }),
    dataDir,
    schema,
    env,
    close: async () => {
      await app.close();
      if (!options.embedded) await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
