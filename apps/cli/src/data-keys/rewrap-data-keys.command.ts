import { InvalidArgumentError, Option } from 'commander';
import { CliCommand, CommandFailed } from '../cli-command';
import { ProgressReporter } from '../progress-reporter';
import { rewrapDataKeys, RewrapResult } from './data-key-rewrap';

interface Options {
  batchSize: number;
}

/**
 * Rotates the key-encryption key: every data key is wrapped again under the first KEK of DATA_KEK,
 * while the API keeps serving. Prints how many keys each other KEK still wraps: one at 0 can leave
 * DATA_KEK. Keys under a KEK that DATA_KEK no longer holds (removed too early) fail the run.
 */
export const rewrapDataKeysCommand: CliCommand<Options> = {
  path: ['data-keys', 'rewrap'],
  description: 'Wrap every data key again under the first KEK of DATA_KEK, live; resumable',
  options: [new Option('--batch-size <n>', 'Keys per transaction (1-10000)').default(500).argParser(batchSize)],
  async run({ config, database, printJson, note }, options) {
    const progress = new ProgressReporter('rewrap data keys');
    let result: RewrapResult;
    try {
      result = await rewrapDataKeys(database, config.dataKeks, options.batchSize, (p) => progress.update(`pass ${p.pass}`, p.done, p.total));
    } finally {
      progress.stop();
    }
    const left = Object.entries(result.remainingByKek).map(([kek, n]) => `${kek}: ${n}`);
    note(
      `rewrapped ${result.rewrapped} data keys under KEK ${result.primaryKek} (${result.alreadyCurrent} already were); left under other KEKs: ${left.join(', ') || 'none'}`,
    );
    printJson({
      primary_kek: result.primaryKek,
      rewrapped: result.rewrapped,
      already_current: result.alreadyCurrent,
      unknown_kek: result.unknownKek,
      unreadable: result.unreadable,
      remaining_by_kek: result.remainingByKek,
    });
    const failures = [
      result.unknownKek > 0 && `${result.unknownKek} data keys are under KEKs that DATA_KEK does not hold (put them back into DATA_KEK and run again)`,
      result.unreadable > 0 && `${result.unreadable} data keys did not unwrap with their KEK (is it the right key for its id?)`,
    ].filter(Boolean);
    if (failures.length > 0) throw new CommandFailed(`${failures.join('; ')}; the other keys were rewrapped`);
  },
};

function batchSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 10_000) throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return n;
}
