import { IdempotencyStore } from './idempotency-store';
import { IdempotencySweeper, SWEEP_BATCH_SIZE, SWEEP_INTERVAL_MS } from './idempotency-sweeper';

describe('the idempotency sweeper', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A store whose purges finish when the test says so. */
  function slowStore() {
    const pending: ((purged: number) => void)[] = [];
    const purgeExpired = jest.fn(() => new Promise<number>((resolve) => pending.push(resolve)));
    return { store: { purgeExpired } as unknown as IdempotencyStore, purgeExpired, finish: (purged: number) => pending.shift()!(purged) };
  }
  const settle = () => jest.advanceTimersByTimeAsync(0);

  it('sweeps once per interval, never overlapping itself, and batches until one comes back short', async () => {
    const { store, purgeExpired, finish } = slowStore();
    const sweeper = new IdempotencySweeper(store);
    sweeper.onApplicationBootstrap();
    expect(purgeExpired).not.toHaveBeenCalled();

    await jest.advanceTimersByTimeAsync(SWEEP_INTERVAL_MS);
    expect(purgeExpired).toHaveBeenCalledTimes(1);
    // A slow sweep: later ticks do not start another.
    await jest.advanceTimersByTimeAsync(3 * SWEEP_INTERVAL_MS);
    expect(purgeExpired).toHaveBeenCalledTimes(1);

    finish(SWEEP_BATCH_SIZE); // a full batch: there may be more
    await settle();
    expect(purgeExpired).toHaveBeenCalledTimes(2);
    finish(7); // short: this sweep is done, the next is an interval later
    await settle();
    await jest.advanceTimersByTimeAsync(SWEEP_INTERVAL_MS - 1);
    expect(purgeExpired).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(purgeExpired).toHaveBeenCalledTimes(3);
    finish(0);
    await sweeper.onModuleDestroy();
  });

  it('keeps sweeping after a failed sweep', async () => {
    const purgeExpired = jest.fn().mockRejectedValueOnce(new Error('connection refused')).mockResolvedValue(0);
    const sweeper = new IdempotencySweeper({ purgeExpired } as unknown as IdempotencyStore);
    jest.spyOn(sweeper['logger'], 'warn').mockImplementation(() => undefined);
    sweeper.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(2 * SWEEP_INTERVAL_MS);
    expect(purgeExpired).toHaveBeenCalledTimes(2);
    await sweeper.onModuleDestroy();
  });

  it('stops on shutdown: waits for the running sweep, which takes no further batch, and schedules none', async () => {
    const { store, purgeExpired, finish } = slowStore();
    const sweeper = new IdempotencySweeper(store);
    sweeper.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(SWEEP_INTERVAL_MS);

    let stopped = false;
    const stopping = sweeper.onModuleDestroy().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    finish(SWEEP_BATCH_SIZE);
    await stopping;
    await jest.advanceTimersByTimeAsync(10 * SWEEP_INTERVAL_MS);
    expect(purgeExpired).toHaveBeenCalledTimes(1);
  });
});
