import { setFlagsFromString } from 'node:v8';
import { integer } from '@app/platform/settings';

export const HEAP_GROWTH_ENV = 'API_HEAP_GROWTH_PERCENT';
/**
 * The old generation may grow by three quarters of what the last full
 * collection kept (docs/performance.md, "Memory"): at 100 % the full HTTP
 * bench peaked at 288-305 MB once the read side got cheaper (more scores a
 * second, more garbage between two collections), at 75 % 281-282 MB.
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 75;

/**
 * How far V8 lets the old generation grow past what its last full collection
 * kept before it collects again (`API_HEAP_GROWTH_PERCENT`; 0 leaves V8 its own
 * choice). Under the HTTP load the API keeps about 50–80 MB alive but, left to
 * itself, V8 lets the old generation grow to about four times that between two
 * full collections (commands promote states and request objects that die soon
 * after): most of the process's peak resident memory was garbage waiting for
 * a collection. Growing by less costs a few more full collections, mostly
 * marked on a helper thread, and no throughput the bench can see.
 */
export function heapGrowthPercent(env: NodeJS.ProcessEnv = process.env): number {
  return integer(env, HEAP_GROWTH_ENV, DEFAULT_HEAP_GROWTH_PERCENT, 0, 300);
}

/**
 * Applies the growth to this process's V8. It is read at every full
 * collection, so it takes effect when set after start (as `npm start`, the
 * cluster's workers and the Docker image start the API: no command-line flag
 * to carry through each of them).
 */
export function applyHeapGrowth(percent: number, setFlags: (flags: string) => void = setFlagsFromString): void {
  if (percent > 0) setFlags(`--heap-growing-percent=${percent}`);
}
