import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { loadConfig } from '@app/platform/config';
import { loadSigningKey } from '@app/platform/signing/signing-key';
import { AppModule } from '../../api/src/app.module';

/**
 * Boots the application without HTTP, as the API would (same database, same
 * keys), for one job of a short-lived CLI process, then closes it. No
 * background work: projections catch up when the API next runs, the sealer
 * seals on demand.
 */
export async function withHeadlessApp<T>(job: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const config = { ...loadConfig(), runProjections: false };
  const auth = loadAuthConfig(process.env, config.dataDir);
  const signingKey = loadSigningKey(process.env, config.dataDir);
  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config, auth, signingKey), { logger: false });
    return await job(app);
  } finally {
    await app?.close();
  }
}
