import { loadConfig } from '@app/config';
import { Database, migrate } from '@app/persistence';
import { KekRing } from '@app/personal-data';
import { randomBytes, randomUUID } from 'node:crypto';
import { RunningApi, startApi } from '../support/api';
import { PlatformClient, uniqueId } from '../support/contract';
import { createTestPlatform } from '../support/database';
import { CliRun, runBuiltCli } from './built-cli';
import { privateDatabase } from '../support/private-database';

interface Summary {
  primary_kek: string;
  rewrapped: number;
  already_current: number;
  unknown_kek: number;
  unreadable: number;
  remaining_by_kek: Record<string, number>;
}

const kek = (id: string) => ({ id, key: randomBytes(32) });
const dataKek = (...keks: { id: string; key: Buffer }[]) => keks.map(({ id, key }) => `${id}:${key.toString('hex')}`).join(',');

/**
 * `data-keys rewrap` rewraps every key of the table, so this suite runs against a database of its
 * own (migrated here, dropped at the end): on the shared test database it would rewrap, or count
 * as unknown, the keys of every other suite.
 */
describe('operator CLI: data-keys rewrap (KEK rotation, live)', () => {
  const oldKek = kek('old');
  const newKek = kek('new');
  const before = new KekRing([oldKek]);
  const after = new KekRing([newKek]);
  const DURING = dataKek(newKek, oldKek);

  const database = privateDatabase('rewrap');
  const databaseUrl = database.url;
  let db: Database;

  const rewrap = (ring: string, ...options: string[]): Promise<CliRun> =>
    runBuiltCli(['data-keys', 'rewrap', ...options], { DATABASE_URL: databaseUrl, DATA_KEK: ring });
  const summaryOf = (run: CliRun) => JSON.parse(run.stdout) as Summary;
  const rows = () => db.query<{ end_user_id: string; kek_id: string; wrapped_key: Buffer }>('SELECT end_user_id, kek_id, wrapped_key FROM end_user_data_keys');

  /** Key rows as the API writes them (no user behind them: the command reads only this table). */
  async function insertKeys(ring: KekRing, count: number): Promise<Map<string, Buffer>> {
    const keys = new Map<string, Buffer>();
    const wrapped: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const created = ring.newDataKey(id);
      keys.set(id, created.dataKey);
      wrapped.push(created.wrapped.wrapped);
    }
    await db.query('INSERT INTO end_user_data_keys (end_user_id, kek_id, wrapped_key) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])', [
      [...keys.keys()],
      wrapped.map(() => ring.primaryId),
      wrapped,
    ]);
    return keys;
  }

  /** Every row under the new KEK and holding the same data key, which a ring of the new KEK alone unwraps. */
  async function expectRewrapped(keys: Map<string, Buffer>): Promise<void> {
    const stored = new Map((await rows()).map((row) => [row.end_user_id, row]));
    for (const [id, dataKey] of keys) {
      const row = stored.get(id)!;
      expect({ id, kek: row?.kek_id }).toEqual({ id, kek: 'new' });
      expect(after.unwrap(id, { kekId: row.kek_id, wrapped: row.wrapped_key })).toEqual(dataKey);
    }
  }

  /** The API, in this process, on this suite's database with DATA_KEK = `ring`. */
  async function withApi<T>(ring: string, work: (api: RunningApi) => Promise<T>): Promise<T> {
    const saved = { DATABASE_URL: process.env.DATABASE_URL, DATA_KEK: process.env.DATA_KEK, OUTBOX_RELAY_ENABLED: process.env.OUTBOX_RELAY_ENABLED };
    Object.assign(process.env, { DATABASE_URL: databaseUrl, DATA_KEK: ring, OUTBOX_RELAY_ENABLED: 'false' });
    let api: RunningApi | undefined;
    try {
      api = await startApi();
      return await work(api);
    } finally {
      await api?.close();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }

  beforeAll(async () => {
    const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl });
    await migrate(config);
    db = Database.connect({ ...config, DB_POOL_MAX: 4 }, 'end-users-tests');
  }, 120_000);

  afterEach(async () => {
    await db.query('DELETE FROM end_user_data_keys');
  });

  afterAll(async () => {
    await db?.close();
    await database.drop();
  }, 60_000);

  it('data-keys rewrap (as the README shows it): every key under the first KEK, which the API alone then reads with', async () => {
    const created = await withApi(dataKek(oldKek), async (api) => {
      const client = new PlatformClient(api.server, await createTestPlatform(db));
      const users: { id: string; display_name: string; metadata: Record<string, string> }[] = [];
      for (let i = 0; i < 5; i++) {
        const body = { display_name: `Ada ${i}`, metadata: { email: `ada${i}@example.com` } };
        const user = await client.createOk(uniqueId('rewrap'), body);
        users.push({ id: user.id as string, ...body });
      }
      return { client: client.platform, users };
    });
    const atStart = await rows();
    expect(atStart.map((row) => row.kek_id)).toEqual(['old', 'old', 'old', 'old', 'old']);
    // What the run fixes: without the old KEK these keys do not open.
    expect(() => after.unwrap(atStart[0].end_user_id, { kekId: atStart[0].kek_id, wrapped: atStart[0].wrapped_key })).toThrow('"old"');
    const dataKeys = new Map(atStart.map((row) => [row.end_user_id, before.unwrap(row.end_user_id, { kekId: row.kek_id, wrapped: row.wrapped_key })]));

    const run = await rewrap(DURING, '--batch-size', '2');
    expect(run.code).toBe(0);
    expect(summaryOf(run)).toEqual({ primary_kek: 'new', rewrapped: 5, already_current: 0, unknown_kek: 0, unreadable: 0, remaining_by_kek: { old: 0 } });
    expect(run.stderr).toMatch(/^rewrap data keys pass 1: \d+\/5 /m);
    expect(run.stderr).toMatch(/^rewrapped 5 data keys under KEK new \(0 already were\); left under other KEKs: old: 0$/m);
    expect(run.stderr).not.toMatch(/^error/m);
    await expectRewrapped(dataKeys);

    await withApi(dataKek(newKek), async (api) => {
      const client = new PlatformClient(api.server, created.client);
      for (const user of created.users) {
        const asOf = await client.get(`${user.id}?as_of=${encodeURIComponent(new Date().toISOString())}`);
        expect({ id: user.id, status: asOf.status }).toEqual({ id: user.id, status: 200 });
        expect(asOf.body).toMatchObject({ display_name: user.display_name, metadata: user.metadata });
      }
      const [first] = created.users;
      expect((await client.patch(first.id, { display_name: 'Ada, rewrapped' })).status).toBe(200);
      const patched = await client.get(`${first.id}?as_of=${encodeURIComponent(new Date().toISOString())}`);
      expect(patched.body).toMatchObject({ display_name: 'Ada, rewrapped', metadata: first.metadata });
    });

    const again = await rewrap(DURING);
    expect(again.code).toBe(0);
    expect(summaryOf(again)).toEqual({ primary_kek: 'new', rewrapped: 0, already_current: 5, unknown_kek: 0, unreadable: 0, remaining_by_kek: { old: 0 } });
    expect(await rows()).toEqual(expect.arrayContaining([...dataKeys.keys()].map((id) => expect.objectContaining({ end_user_id: id, kek_id: 'new' }))));
  }, 120_000);

  it('waits for no concurrent DELETE and brings no deleted key back; a row held meanwhile is done by the next run', async () => {
    const keys = await insertKeys(before, 6);
    const [deleted, heldBack] = [...keys.keys()];
    const deleting = await db.checkOut();
    const rollingBack = await db.checkOut();
    try {
      for (const [connection, id] of [
        [deleting, deleted],
        [rollingBack, heldBack],
      ] as const) {
        await connection.client.query('BEGIN');
        await connection.client.query('DELETE FROM end_user_data_keys WHERE end_user_id = $1', [id]);
      }
      const run = await rewrap(DURING);
      expect(run.code).toBe(0);
      expect(summaryOf(run)).toEqual({ primary_kek: 'new', rewrapped: 4, already_current: 0, unknown_kek: 0, unreadable: 0, remaining_by_kek: { old: 2 } });
      await deleting.client.query('COMMIT');
      await rollingBack.client.query('ROLLBACK');
    } finally {
      deleting.release();
      rollingBack.release();
    }
    expect((await rows()).find((row) => row.end_user_id === deleted)).toBeUndefined();
    expect((await rows()).find((row) => row.end_user_id === heldBack)?.kek_id).toBe('old');

    const resumed = await rewrap(DURING);
    expect(summaryOf(resumed)).toEqual({ primary_kek: 'new', rewrapped: 1, already_current: 4, unknown_kek: 0, unreadable: 0, remaining_by_kek: { old: 0 } });
    keys.delete(deleted);
    await expectRewrapped(keys);
  }, 120_000);

  it('runs while keys are being deleted: every key left is rewrapped, none deleted comes back', async () => {
    const keys = await insertKeys(before, 2000);
    const doomed = [...keys.keys()].filter((_, i) => i % 4 === 0);
    const running = rewrap(DURING, '--batch-size', '50');
    let finished = false;
    void running.finally(() => (finished = true));
    // Start deleting once the run has begun, from 4 connections, one key per statement as the API does.
    while (!finished && (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM end_user_data_keys WHERE kek_id = 'new'"))[0].n === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const queue = [...doomed];
    await Promise.all(
      [1, 2, 3, 4].map(async () => {
        for (let id = queue.pop(); id !== undefined; id = queue.pop()) await db.query('DELETE FROM end_user_data_keys WHERE end_user_id = $1', [id]);
      }),
    );
    const run = await running;
    expect(run.code).toBe(0);
    const summary = summaryOf(run);
    expect(summary.remaining_by_kek).toEqual({ old: 0 });
    expect(summary.rewrapped).toBeGreaterThanOrEqual(1500);
    expect(summary.rewrapped).toBeLessThanOrEqual(2000);
    const stored = await rows();
    expect(stored).toHaveLength(1500);
    for (const id of doomed) keys.delete(id);
    await expectRewrapped(keys);
  }, 120_000);

  it('counts keys under a KEK that DATA_KEK no longer holds, or that do not open, rewraps the rest and exits 1', async () => {
    const keys = await insertKeys(before, 3);
    await insertKeys(new KekRing([kek('gone')]), 1);
    const [bad] = await insertKeys(new KekRing([{ id: 'old', key: randomBytes(32) }]), 1);

    const run = await rewrap(DURING);
    expect(run.code).toBe(1);
    expect(summaryOf(run)).toEqual({
      primary_kek: 'new',
      rewrapped: 3,
      already_current: 0,
      unknown_kek: 1,
      unreadable: 1,
      remaining_by_kek: { old: 1, gone: 1 },
    });
    expect(run.stderr).toMatch(
      /^error: 1 data keys are under KEKs that DATA_KEK does not hold \(put them back into DATA_KEK and run again\); 1 data keys did not unwrap with their KEK \(is it the right key for its id\?\); the other keys were rewrapped\n$/m,
    );
    expect(run.stderr).not.toContain(oldKek.key.toString('hex'));
    await expectRewrapped(keys);
    expect((await rows()).find((row) => row.end_user_id === bad[0])?.kek_id).toBe('old');
  }, 120_000);

  it('takes a batch size of 1-10000, else a usage error before anything runs', async () => {
    const help = await runBuiltCli(['help', 'data-keys', 'rewrap']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--batch-size <n>');
    const run = await rewrap(DURING, '--batch-size', '0');
    expect(run).toEqual({ code: 2, stdout: '', stderr: "error: option '--batch-size <n>' argument '0' is invalid. must be a whole number from 1 to 10000\n" });
  }, 60_000);
});
