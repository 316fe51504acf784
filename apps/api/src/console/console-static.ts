import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConsoleSettings } from './console.config';

/**
 * The console's built files (dist/console: index.html, styles, the compiled
 * ES modules) served at /console/. They hold no data (everything a screen
 * shows comes from /v1 with the user's token), so they need no token either.
 */
export function consoleDirectory(from = __dirname): string {
  // From apps/api/src/console (tests) or dist/apps/api/src/console (built): the repository root holds package.json.
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

/**
 * The policy of the console's pages, stricter than the API's default: scripts
 * and styles from this origin only (no inline script, no inline style
 * attribute), no plugins, no framing, forms posting nowhere else; the page
 * may call this API and, when one is configured, the identity provider (its
 * discovery document and token endpoint are read from the browser).
 */
export function consoleContentSecurityPolicy(settings: ConsoleSettings): string {
  const connect = ["'self'"];
  if (settings.public.oidc) connect.push(new URL(settings.public.oidc.issuer).origin);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Registers the static files and the console's headers; returns false (and serves nothing) when the console was not built. */
export async function registerConsoleStatic(fastify: FastifyInstance, settings: ConsoleSettings, root = consoleDirectory()): Promise<boolean> {
  const policy = consoleContentSecurityPolicy(settings);
  fastify.addHook('onSend', (req, reply, payload, done) => {
    if (req.url === '/console' || req.url.startsWith('/console/') || req.url.startsWith('/console?')) {
      void reply.header('Content-Security-Policy', policy);
      // The page keeps the provider's code and state out of other sites' logs.
      void reply.header('Referrer-Policy', 'no-referrer');
    }
    done(null, payload);
  });
  if (!existsSync(join(root, 'index.html'))) return false;
  await fastify.register(fastifyStatic, {
    root,
    prefix: '/console/',
    // `/console` and `/console/` (one route: the router ignores a trailing slash) are the page itself, below.
    index: false,
    redirect: false,
    // File names carry no content hash: browsers revalidate each file (ETag / Last-Modified, a 304 when unchanged).
    cacheControl: false,
    setHeaders: (reply) => void reply.header('Cache-Control', 'no-cache'),
    dotfiles: 'deny',
  });
  // Absolute asset paths in index.html: the same page works at /console and /console/.
  fastify.get('/console', (_req, reply) => reply.header('Cache-Control', 'no-cache').sendFile('index.html'));
  return true;
}
