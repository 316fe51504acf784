// eslint-disable-next-line @typescript-eslint/no-require-imports
const { summarize } = require('./profile-summary');

/** A profile of three seconds: start-up (loading the score handler's module), scoring, then reading progress. */
function profile() {
  const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' }, children });
  const nodes = [
    frame(1, '(root)', '', [2, 3, 4, 5, 6, 7, 9]),
    frame(2, 'require', 'node:internal/modules/cjs/loader', [8]),
    frame(8, '(anon)', 'file:///app/dist/apps/api/src/candidates/score-criterion/score-criterion.handler.js'),
    frame(3, 'execute', 'file:///app/dist/apps/api/src/candidates/score-criterion/score-criterion.handler.js'),
    frame(4, 'apply', 'file:///app/dist/libs/projections/src/candidate-progress/candidate-progress.projection.js'),
    frame(5, 'writev', ''),
    frame(6, '(garbage collector)', ''),
    frame(7, 'read', 'file:///app/dist/apps/api/src/progress/progress.controller.js'),
    frame(9, 'startup', 'node:internal/main'),
  ];
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  const add = (id: number, times: number) => {
    for (let i = 0; i < times; i++) {
      samples.push(id);
      timeDeltas.push(10_000); // 10 ms each: 100 samples a second
    }
  };
  add(9, 99); // second 0: start-up, the handler's module loaded once (1 sample)
  add(8, 1);
  add(3, 50); // second 1: scoring
  add(4, 20);
  add(5, 20);
  add(6, 10);
  add(7, 100); // second 2: progress reads
  timeDeltas[0] = 0; // the first sample is at the profile's start
  return { nodes, samples, timeDeltas, startTime: 0, endTime: 3e6 };
}

describe('profile summary of the HTTP suite', () => {
  it('counts only the seconds of the scores phase and puts each sample in its area', () => {
    const summary = summarize(profile());
    expect(summary.seconds).toBe(1);
    expect(summary.totalMs).toBe(1000);
    const share = Object.fromEntries(summary.areas.map((a: { area: string; share: number }) => [a.area, a.share]));
    expect(share['command (handler, runner, domain decision)']).toBeCloseTo(0.5);
    expect(share['projections (read models)']).toBeCloseTo(0.2);
    expect(share['socket writes (system calls)']).toBeCloseTo(0.2);
    expect(share['garbage collector']).toBeCloseTo(0.1);
    expect(Object.keys(share)).toHaveLength(4);
  });
});
