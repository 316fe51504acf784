// eslint-disable-next-line @typescript-eslint/no-require-imports
const { summarize, scoresWindows } = require('./profile-summary');

/** A node of a V8 CPU profile. */
const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' }, children });

/** A summary's shares by area. */
const sharesOf = (summary: { areas: Array<{ area: string; share: number }> }): Record<string, number> => Object.fromEntries(summary.areas.map((a) => [a.area, a.share]));

/** A profile of three seconds: start-up (loading the score handler's module), scoring, then reading progress. */
function profile() {
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
    const share = sharesOf(summary);
    expect(share['command (handler, runner, domain decision)']).toBeCloseTo(0.5);
    expect(share['projections (read models)']).toBeCloseTo(0.2);
    expect(share['socket writes (system calls)']).toBeCloseTo(0.2);
    expect(share['garbage collector']).toBeCloseTo(0.1);
    expect(Object.keys(share)).toHaveLength(4);
  });

  it("takes the read side's thread over the main thread's scores phase, in the profiles' common clock", () => {
    const main = { ...profile(), startTime: 5e6 };
    const windows = scoresWindows(main);
    expect(windows).toEqual([[6e6, 7e6]]);
    // The thread's profile starts half a second after the main one: its samples at 6.0-7.0 s count, the others not.
    const thread = {
      nodes: [frame(1, '(root)', '', [2, 3, 4]), frame(2, 'apply', 'file:///app/dist/libs/projections/src/back-office/back-office.projection.js'), frame(3, '(idle)', ''), frame(4, 'sealBatch', 'file:///app/dist/libs/event-store/src/ledger/sealer.js')],
      samples: [4, ...Array(50).fill(2), ...Array(50).fill(3), ...Array(50).fill(4)],
      timeDeltas: [0, ...Array(150).fill(10_000)],
      startTime: 5.5e6,
    };
    // Sample times: 5.5 s, then 5.51 … 7.0 s: the window holds samples 50-149 (6.0-6.99 s).
    const summary = summarize(thread, windows);
    expect(summary.seconds).toBe(1);
    expect(summary.totalMs).toBe(1000);
    const share = sharesOf(summary);
    expect(share['projections (read models)']).toBeCloseTo(0.01);
    expect(share['idle (waiting for the database or the clients)']).toBeCloseTo(0.5);
    expect(share['ledger sealer']).toBeCloseTo(0.49);
  });
});
