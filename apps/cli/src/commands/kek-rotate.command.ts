import { loadConfig } from '@app/platform/config';
import { rotateKek } from '@app/platform/personal-data/kek-rotation';
import { CommandInput, noPositionals, progress } from '../command';

/** Re-wraps every live data key under the new KEK; interrupted, a rerun finishes the job. */
export async function run(input: CommandInput): Promise<number> {
  noPositionals(input);
  let bar: ReturnType<typeof progress> | undefined;
  const result = await rotateKek(loadConfig(), (p) => (bar ??= progress('re-wrapping data keys', p.total)).update(p.done));
  bar?.done(result.rewrapped);
  process.stderr.write(`${result.rewrapped} key(s) re-wrapped; every live key is now under ${result.kekId}${result.remaining ? ` except ${result.remaining} (rerun)` : ''}\n`);
  return result.remaining ? 1 : 0;
}
