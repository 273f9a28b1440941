import { rebuildProjection, RebuildResult } from '@app/projections';
import { projectionNamed, STREAM_PROJECTIONS } from '@app/projections';
import { Option } from 'commander';
import { CliCommand } from '../cli-command';
import { ProgressReporter } from '../progress-reporter';
import { countUpTo } from '../option-parsers';
import { threadRangeFolder } from './thread-range-folder';
import { availableParallelism } from 'node:os';

interface Options {
  projection?: string;
  parallel: number;
}

/** Rebuilds read tables from the events while the API keeps serving; prints a verified summary. */
export const rebuildProjectionsCommand: CliCommand<Options> = {
  path: ['projections', 'rebuild'],
  description: 'Rebuild read models from the event store, live, and verify them',
  options: [
    new Option('--projection <name>', 'Only this projection (default: all)').choices(STREAM_PROJECTIONS.map((p) => p.name)),
    new Option('--parallel <threads>', 'Fold this many ranges of streams at once, each in a worker thread')
      .argParser(countUpTo(16))
      .default(Math.min(availableParallelism(), 16)),
  ],
  async run({ config, database, dataKeys, printJson, note }, options) {
    const parallel = { ranges: options.parallel, folder: threadRangeFolder(config) };
    const projections = options.projection ? [projectionNamed(options.projection)] : STREAM_PROJECTIONS;
    const results: RebuildResult[] = [];
    for (const projection of projections) {
      const progress = new ProgressReporter(`rebuild ${projection.name}`);
      try {
        results.push(await rebuildProjection(database, dataKeys, projection, (p) => progress.update(p.phase, p.eventsApplied, p.eventsTotal), parallel));
      } finally {
        progress.stop();
      }
      const result = results[results.length - 1];
      note(
        `rebuilt ${result.projection}: ${result.eventsApplied} events, ${result.rowsWritten} rows, ${result.eventsPerSecond} events/s (bulk ${result.bulkSeconds.toFixed(1)} s), ` +
          `reads blocked ${result.switchBlockedMs.toFixed(1)} ms at the switch; verified: rows ${result.verification.rows} = ${result.verification.expectedRows}, ` +
          `checksum ${result.verification.matches ? 'matches' : 'DIFFERS'}`,
      );
    }
    printJson({ rebuilt: results });
  },
};
