import { Client, PoolConfig } from 'pg';

/** A held "one active runner" lock; `lost` resolves if its connection dies (the server then released it). */
export interface HeldLock {
  lost: Promise<void>;
  release(): Promise<void>;
}

export interface RunnerLock {
  /** Resolves with the lock once held, or null when `cancelled` resolves first. */
  acquire(cancelled: Promise<void>): Promise<HeldLock | null>;
}

/** The embedded database lives in one process: nothing to coordinate. */
export const noLock: RunnerLock = {
  acquire: async () => ({ lost: new Promise<void>(() => undefined), release: async () => undefined }),
};

/**
 * A session-level advisory lock held on a dedicated connection (never a
 * pooled one: the pool would hand it to someone else). When the holder dies,
 * PostgreSQL ends its session and releases the lock; the next candidate's
 * `pg_try_advisory_lock` (every `retryMs`) then wins.
 */
export function advisoryLock(connection: PoolConfig, key: string, retryMs = 1000): RunnerLock {
  return {
    async acquire(cancelled) {
      let stop = false;
      void cancelled.then(() => (stop = true));
      while (!stop) {
        const client = new Client({ ...connection, options: connection.options });
        let lostResolve!: () => void;
        const lost = new Promise<void>((resolve) => (lostResolve = resolve));
        client.on('error', () => lostResolve());
        client.on('end', () => lostResolve());
        try {
          await client.connect();
          const { rows } = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS held', [key]);
          if (rows[0].held) {
            // Keepalive: a silent network drop is noticed within a few seconds.
            const keepalive = setInterval(() => client.query('SELECT 1').catch(() => lostResolve()), 5000);
            keepalive.unref();
            void lost.then(() => clearInterval(keepalive));
            return {
              lost,
              release: async () => {
                clearInterval(keepalive);
                await client.end().catch(() => undefined); // ending the session releases the lock
              },
            };
          }
        } catch {
          // database unreachable: try again later
        }
        await client.end().catch(() => undefined);
        await Promise.race([new Promise((r) => setTimeout(r, retryMs).unref()), cancelled]);
      }
      return null;
    },
  };
}
