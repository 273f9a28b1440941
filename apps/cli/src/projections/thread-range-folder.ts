import type { AppConfig } from '@app/config';
import type { RangeFolder } from '@app/projections';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RangeFoldJob, RangeFoldMessage } from './range-fold.worker';

/** Folds each range of a rebuild in a worker thread of its own, with its own two connections. */
export function threadRangeFolder(config: AppConfig): RangeFolder {
  return (fold, onEventsRead) =>
    new Promise((resolve, reject) => {
      const job: RangeFoldJob = { fold, databaseUrl: config.DATABASE_URL, dataKeks: config.dataKeks };
      const worker = new Worker(join(__dirname, 'range-fold.worker.js'), { workerData: job });
      worker.on('message', (message: RangeFoldMessage) => {
        if ('eventsRead' in message) onEventsRead(message.eventsRead);
        else if ('done' in message) resolve(message.done);
        else reject(new Error(message.failed));
      });
      worker.on('error', reject);
      // After an answer this changes nothing (a settled promise stays settled); without one, it is the failure.
      worker.on('exit', (code) =>
        reject(new Error(`the rebuild's worker thread for ${fold.range.from ?? 'start'}..${fold.range.to ?? 'end'} exited with code ${code}`)),
      );
    });
}
