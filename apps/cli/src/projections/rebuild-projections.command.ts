import { Database } from '@app/persistence';
import { projectionNamed, rebuildProjection, RebuildResult, STREAM_PROJECTIONS } from '@app/projections';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { printJson } from '../print-json';
import { ProgressReporter } from '../progress-reporter';

interface Options {
  projection?: string;
}

/** Rebuilds read tables from the events while the API keeps serving; prints a verified summary. */
@SubCommand({ name: 'rebuild', description: 'Rebuild read models from the event store, live, and verify them' })
export class RebuildProjectionsCommand extends CommandRunner {
  constructor(private readonly db: Database) {
    super();
  }

  async run(_: string[], options: Options): Promise<void> {
    const projections = options.projection ? [projectionNamed(options.projection)] : STREAM_PROJECTIONS;
    const results: RebuildResult[] = [];
    for (const projection of projections) {
      const progress = new ProgressReporter(`rebuild ${projection.name}`);
      try {
        results.push(await rebuildProjection(this.db, projection, (p) => progress.update(p.phase, p.eventsApplied, p.eventsTotal)));
      } finally {
        progress.stop();
      }
      const result = results[results.length - 1];
      process.stderr.write(
        `rebuilt ${result.projection}: ${result.eventsApplied} events, ${result.rowsWritten} rows, ${result.eventsPerSecond} events/s (bulk ${result.bulkSeconds.toFixed(1)} s), ` +
          `reads blocked ${result.switchBlockedMs.toFixed(1)} ms at the switch; verified: rows ${result.verification.rows} = ${result.verification.expectedRows}, ` +
          `checksum ${result.verification.matches ? 'matches' : 'DIFFERS'}\n`,
      );
    }
    printJson({ rebuilt: results });
  }

  @Option({ flags: '--projection <name>', description: `One of: ${STREAM_PROJECTIONS.map((p) => p.name).join(', ')} (default: all)` })
  parseProjection(value: string): string {
    return projectionNamed(value).name;
  }
}
