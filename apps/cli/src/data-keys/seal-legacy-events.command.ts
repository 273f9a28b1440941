import { InvalidArgumentError, Option } from 'commander';
import { CliCommand } from '../cli-command';
import { ProgressReporter } from '../progress-reporter';
import { sealLegacyEvents, STREAMS_PER_BATCH } from './seal-legacy-events';

interface Options {
  batchSize: number;
}

/**
 * Run once after upgrading to sealed personal fields: seals those of the events stored before, live
 * and resumable (a second run finds nothing to do). Deleted users' events are erased on the way.
 */
export const sealLegacyEventsCommand: CliCommand<Options> = {
  path: ['data-keys', 'seal-legacy'],
  description: 'Seal the personal fields of events stored before they were sealed (run once after upgrading), live; resumable',
  options: [new Option('--batch-size <n>', 'End-user streams per transaction (1-1000)').default(STREAMS_PER_BATCH).argParser(batchSize)],
  async run({ database, dataKeys, printJson, note }, options) {
    const progress = new ProgressReporter('seal legacy events');
    let result: Awaited<ReturnType<typeof sealLegacyEvents>>;
    try {
      result = await sealLegacyEvents(database, dataKeys, (done, total) => progress.update('sealing', done, total), options.batchSize);
    } finally {
      progress.stop();
    }
    const { summary } = result;
    note(
      `sealed ${summary.streams_sealed} streams, erased ${summary.streams_erased}, rewrote ${summary.events_rewritten} events; ` +
        `outbox: ${result.outboxPayloadsRemoved} published payloads removed, ${result.outboxPayloadsSealed} unpublished rewritten; ` +
        `${result.idempotentResponsesErased} idempotent responses erased`,
    );
    printJson(summary);
  },
};

function batchSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1_000) throw new InvalidArgumentError('must be a whole number from 1 to 1000');
  return n;
}
