import { Database } from '@app/persistence';
import { PlatformSettings } from '@app/platforms';
import { RunningApi, startApi } from './api';
import { PlatformClient } from './contract';
import { createTestPlatform, openTestDatabase } from './database';
import { RunningWorker, startWorker } from './worker';

interface Closable {
  close(): Promise<void>;
}

/** What an e2e suite runs against. The fields are set once the suite's beforeAll has run, so read them inside hooks and tests only. */
export interface E2eFixture {
  api: RunningApi;
  /** The test's own small pool, for what a test checks directly in the database. */
  db: Database;
  /** Only with `{ worker: true }`. */
  worker: RunningWorker;
  /** A client for a fresh platform of its own. */
  client(settings?: PlatformSettings): Promise<PlatformClient>;
}

export interface E2eFixtureOptions<Extras> {
  /** Also run the worker in this process, consuming the test topic as the test consumer group. */
  worker?: boolean;
  /**
   * More things the suite needs, opened in this order after the database and before the API and
   * worker start (a topic tap joins before anything is produced), closed in reverse order after them.
   * Each lands on the fixture under its name.
   */
  open?: { [Name in keyof Extras]: () => Promise<Extras[Name]> };
  /** Runs first in afterAll, before anything is closed; the rest is closed even if it fails. */
  beforeClose?: () => Promise<void>;
  /** Timeout of the afterAll hook; otherwise the suite's test timeout. */
  closeTimeoutMs?: number;
}

/**
 * Registers the beforeAll and afterAll hooks of an e2e suite, to be called in its describe block:
 * opens a test data source, then `open`'s extras, starts the API and, if asked, the worker; closes
 * them all in reverse order afterwards (whatever did not start is skipped).
 */
export function useE2eFixture<Extras extends Record<string, Closable> = Record<never, never>>(options: E2eFixtureOptions<Extras> = {}): E2eFixture & Extras {
  const fixture = {
    client: async (settings: PlatformSettings = {}) => new PlatformClient(fixture.api.server, await createTestPlatform(fixture.db, settings)),
  } as E2eFixture & Extras;
  const extras: Closable[] = [];

  beforeAll(async () => {
    fixture.db = await openTestDatabase();
    for (const [name, open] of Object.entries<() => Promise<Closable>>(options.open ?? {})) {
      const extra = await open();
      extras.push(extra);
      Object.assign(fixture, { [name]: extra });
    }
    fixture.api = await startApi();
    if (options.worker) fixture.worker = await startWorker();
  });

  afterAll(async () => {
    try {
      await options.beforeClose?.();
    } finally {
      await fixture.worker?.close();
      await fixture.api?.close();
      for (const extra of [...extras].reverse()) await extra.close();
      await fixture.db?.close();
    }
  }, options.closeTimeoutMs);

  return fixture;
}
