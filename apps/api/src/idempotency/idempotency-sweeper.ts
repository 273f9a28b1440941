import { idempotencyKeysPurged } from '@app/http';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { IdempotencyStore } from './idempotency-store';

/** How often expired keys are swept. A constant, not a setting: nothing needs to tune it yet. */
export const SWEEP_INTERVAL_MS = 60_000;
/** Keys deleted per statement: a short transaction and a bounded lock footprint, whatever the backlog. */
export const SWEEP_BATCH_SIZE = 1_000;

/**
 * Deletes the idempotency keys past their retention, in batches, once a minute. A sweep never
 * overlaps the previous one (the next is scheduled when it ends); several API processes may sweep
 * at once, each skipping the rows another is deleting. Stopped (the running sweep awaited) before
 * the connection pool closes.
 */
@Injectable()
export class IdempotencySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('IdempotencySweeper');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly store: IdempotencyStore) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep: batches until one comes back short (or the app stops); the keys it deleted. A sweep already running is joined, not doubled. */
  sweep(): Promise<number> {
    this.running ??= this.purgeAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async purgeAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const purged = await this.store.purgeExpired(SWEEP_BATCH_SIZE);
      idempotencyKeysPurged.inc(purged);
      total += purged;
      if (purged < SWEEP_BATCH_SIZE || this.stopped) return total;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.sweep()
        .catch((error: unknown) => this.logger.warn(`sweep of expired idempotency keys failed (retried next tick): ${(error as Error).message}`))
        .finally(() => this.schedule());
    }, SWEEP_INTERVAL_MS);
    // A pending sweep does not keep a process alive that is otherwise done.
    this.timer.unref();
  }
}
