import { loadConfig } from '@app/platform/config';
import { rotateKek } from '@app/platform/personal-data/kek-rotation';
import { CliCommand, parseArgs, progress, UsageError } from '../command';

export const kekRotateCommand: CliCommand = {
  name: 'kek rotate',
  summary: 're-wrap every personal-data key under PERSONAL_DATA_KEK_FILE (old KEKs in PERSONAL_DATA_KEK_PREVIOUS_FILES); rerun if interrupted',
  usage: 'kek rotate   (with PERSONAL_DATA_KEK_FILE=new PERSONAL_DATA_KEK_PREVIOUS_FILES=old[,older])',
  async run(args) {
    const { positional } = parseArgs(args);
    if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}`);
    let bar: ReturnType<typeof progress> | undefined;
    const result = await rotateKek(loadConfig(), (p) => (bar ??= progress('re-wrapping data keys', p.total)).update(p.done));
    bar?.done(result.rewrapped);
    process.stderr.write(`${result.rewrapped} key(s) re-wrapped; every live key is now under ${result.kekId}${result.remaining ? ` except ${result.remaining} (rerun)` : ''}\n`);
    return result.remaining ? 1 : 0;
  },
};
