import { Client } from 'pg';
import { createThrowawayCluster } from '../support/throwaway-cluster';

describe('throwaway PostgreSQL cluster (support for the crash tests)', () => {
  it('starts, answers, stops immediately and starts again', async () => {
    const cluster = await createThrowawayCluster();
    try {
      const ask = async () => {
        const c = new Client({ connectionString: cluster.url });
        await c.connect();
        const { rows } = await c.query('SELECT 41 + 1 AS n');
        await c.end();
        return rows[0].n;
      };
      expect(await ask()).toBe(42);
      cluster.stopImmediate();
      await expect(ask()).rejects.toThrow();
      cluster.start();
      expect(await ask()).toBe(42);
    } finally {
      cluster.destroy();
    }
  });
});
