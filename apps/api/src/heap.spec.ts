import { ConfigError } from '@app/platform/settings';
import { applyHeapGrowth, DEFAULT_HEAP_GROWTH_PERCENT, heapGrowthPercent } from './heap';

describe('API heap growth (API_HEAP_GROWTH_PERCENT)', () => {
  it('defaults to growing by three quarters of what the last full collection kept', () => {
    expect(DEFAULT_HEAP_GROWTH_PERCENT).toBe(75);
    expect(heapGrowthPercent({})).toBe(75);
    expect(heapGrowthPercent({ API_HEAP_GROWTH_PERCENT: '' })).toBe(75);
  });

  it('reads an integer from 0 (V8 decides) to 300, and names the setting otherwise', () => {
    expect(heapGrowthPercent({ API_HEAP_GROWTH_PERCENT: '0' })).toBe(0);
    expect(heapGrowthPercent({ API_HEAP_GROWTH_PERCENT: '50' })).toBe(50);
    for (const bad of ['-1', '301', '1.5', 'auto']) {
      expect(() => heapGrowthPercent({ API_HEAP_GROWTH_PERCENT: bad })).toThrow(ConfigError);
      expect(() => heapGrowthPercent({ API_HEAP_GROWTH_PERCENT: bad })).toThrow(/API_HEAP_GROWTH_PERCENT/);
    }
  });

  it('sets V8 heap growing factor, or leaves V8 alone at 0', () => {
    const flags: string[] = [];
    applyHeapGrowth(100, (f) => flags.push(f));
    applyHeapGrowth(0, (f) => flags.push(f));
    expect(flags).toEqual(['--heap-growing-percent=100']);
  });
});
