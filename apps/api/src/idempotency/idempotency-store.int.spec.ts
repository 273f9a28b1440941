import { loadConfig } from '@app/config';
import { ApiError, idempotencyKeysPurged } from '@app/http';
import { Database } from '@app/persistence';
import { CredentialsCipher } from '@app/platforms';
import { randomBytes, randomUUID } from 'node:crypto';
import { IdempotencyStore } from './idempotency-store';
import { IdempotencySweeper, SWEEP_BATCH_SIZE } from './idempotency-sweeper';
import { eraseIdempotentResponses } from './idempotent-response-erasure';

describe('the idempotency store', () => {
  let db: Database;
  let store: IdempotencyStore;

  beforeAll(async () => {
    const config = loadConfig();
    db = await Database.connect({ ...config, DB_POOL_MAX: 4 }, 'idempotency-store-tests');
    store = new IdempotencyStore(db, new CredentialsCipher(randomBytes(32)), config);
  });

  afterAll(() => db.close());

  // Each test has a platform of its own (the table has no foreign key to platforms).
  const claimed = async (platformId: string, key: string, body: unknown = { external_id: 'alice' }) => {
    const attempt = randomUUID();
    const claim = await store.claim(platformId, key, store.fingerprint('POST', '/p', body), attempt);
    expect(claim).toEqual({ kind: 'claimed', attempt });
    return { platformId, key, attempt };
  };
  const rowOf = async (platformId: string, key: string) =>
    (
      await db.query<{ body: unknown; headers: unknown; fingerprint: Buffer; end_user_id: string | null; erased: boolean }>(
        'SELECT body, headers, fingerprint, end_user_id, erased_at IS NOT NULL AS erased FROM idempotency_keys WHERE platform_id = $1 AND key = $2',
        [platformId, key],
      )
    )[0];

  describe('complete()', () => {
    it('a request that outlived its lease does not run twice: complete() matching no row throws 409 and its transaction rolls back', async () => {
      const platformId = randomUUID();
      const first = await claimed(platformId, 'lease');
      // The first attempt outlived its lease; a retry of the same request took the key over.
      await db.query("UPDATE idempotency_keys SET locked_at = now() - interval '1 minute' WHERE platform_id = $1", [platformId]);
      const second = await claimed(platformId, 'lease');
      expect(second.attempt).not.toBe(first.attempt);

      const marker = `effect-${randomUUID()}`;
      const late = db.unitOfWork(async (sql) => {
        // Stands for the request's own effects, written in its transaction.
        await sql.query('INSERT INTO idempotency_keys (platform_id, key, fingerprint) VALUES ($1, $2, $3)', [platformId, marker, Buffer.alloc(1)]);
        await store.complete(first, { status: 201, body: { id: 'x' }, headers: {} }, sql);
      });
      await expect(late).rejects.toBeInstanceOf(ApiError);
      await expect(late).rejects.toMatchObject({ code: 'conflict', status: 409 });
      expect(await rowOf(platformId, marker)).toBeUndefined();

      // The attempt that holds the key completes; the late one changed nothing of it.
      await store.complete(second, { status: 201, body: { id: 'y' }, headers: {} });
      const replay = await store.claim(platformId, 'lease', store.fingerprint('POST', '/p', { external_id: 'alice' }), randomUUID());
      expect(replay).toMatchObject({ kind: 'replay', status: 201, body: { id: 'y' } });
    });

    it('throws when the claim was released (a retry may already be running)', async () => {
      const platformId = randomUUID();
      const claim = await claimed(platformId, 'released');
      await store.release(platformId, 'released', claim.attempt);
      await expect(store.complete(claim, { status: 400, body: {}, headers: {} })).rejects.toMatchObject({ code: 'conflict' });
    });
  });

  describe('erasure with the end user', () => {
    it('destroys the stored response: the key then answers gone, whatever the request, and nothing of it stays readable', async () => {
      const platformId = randomUUID();
      const endUserId = randomUUID();
      const mine = await claimed(platformId, 'create');
      await store.complete(mine, { status: 201, body: { id: endUserId, external_id: 'alice' }, headers: { etag: '"1"' }, endUserId });
      const otherUsers = await claimed(platformId, 'other-user');
      await store.complete(otherUsers, { status: 201, body: { id: randomUUID() }, headers: {}, endUserId: randomUUID() });

      expect(await db.transaction((sql) => eraseIdempotentResponses(sql, endUserId))).toBe(1);

      const row = await rowOf(platformId, 'create');
      expect(row).toMatchObject({ body: null, headers: null, end_user_id: endUserId, erased: true });
      expect(row.fingerprint).toHaveLength(0);
      for (const body of [{ external_id: 'alice' }, { external_id: 'bob' }]) {
        expect(await store.claim(platformId, 'create', store.fingerprint('POST', '/p', body), randomUUID())).toEqual({ kind: 'gone' });
      }
      // Another user's response is untouched; erasing again finds nothing more.
      expect(await rowOf(platformId, 'other-user')).toMatchObject({ erased: false });
      expect(await eraseIdempotentResponses(db, endUserId)).toBe(0);
    });

    it('frees an erased key once it expired, like any other key', async () => {
      const platformId = randomUUID();
      const endUserId = randomUUID();
      await store.complete(await claimed(platformId, 'old'), { status: 201, body: { id: endUserId }, headers: {}, endUserId });
      await eraseIdempotentResponses(db, endUserId);
      await db.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE platform_id = $1", [platformId]);
      const taken = await claimed(platformId, 'old');
      expect(await rowOf(platformId, 'old')).toMatchObject({ end_user_id: null, erased: false });
      expect(taken.key).toBe('old');
    });
  });

  describe('the sweep of expired keys', () => {
    const countOf = async (platformId: string, expired: boolean) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM idempotency_keys WHERE platform_id = $1 AND (created_at < now() - interval '24 hours') = $2`,
          [platformId, expired],
        )
      )[0].n;
    const plant = (platformId: string, count: number, age: string) =>
      db.query(
        `INSERT INTO idempotency_keys (platform_id, key, fingerprint, status, created_at, completed_at)
         SELECT $1, 'k-' || i, '\\x00'::bytea, 201, now() - $3::interval, now() - $3::interval FROM generate_series(1, $2) AS i`,
        [platformId, count, age],
      );

    it('deletes every expired key in batches of at most SWEEP_BATCH_SIZE, counts them, and keeps the live ones', async () => {
      const platformId = randomUUID();
      const expired = 2 * SWEEP_BATCH_SIZE + 500;
      await plant(platformId, expired, '25 hours');
      await db.query(
        "INSERT INTO idempotency_keys (platform_id, key, fingerprint, created_at) VALUES ($1, 'live-1', '\\x00', now()), ($1, 'live-2', '\\x00', now() - interval '23 hours')",
        [platformId],
      );
      const batches: number[] = [];
      const purgeExpired = store.purgeExpired.bind(store);
      const spy = jest.spyOn(store, 'purgeExpired').mockImplementation(async (limit) => {
        expect(limit).toBe(SWEEP_BATCH_SIZE);
        const purged = await purgeExpired(limit);
        batches.push(purged);
        return purged;
      });
      const before = (await idempotencyKeysPurged.get()).values[0]?.value ?? 0;
      try {
        const purged = await new IdempotencySweeper(store).sweep();
        // Other suites sharing the database may have expired keys too: at least ours went.
        expect(purged).toBeGreaterThanOrEqual(expired);
        expect(batches.length).toBeGreaterThanOrEqual(3);
        expect(batches.every((n) => n <= SWEEP_BATCH_SIZE)).toBe(true);
        expect(batches[batches.length - 1]).toBeLessThan(SWEEP_BATCH_SIZE);
        expect((await idempotencyKeysPurged.get()).values[0].value - before).toBe(purged);
      } finally {
        spy.mockRestore();
      }
      expect(await countOf(platformId, true)).toBe(0);
      expect(await countOf(platformId, false)).toBe(2);
    });

    it('is safe in several processes at once: they share the work and none fails', async () => {
      const platformId = randomUUID();
      const expired = 3 * SWEEP_BATCH_SIZE;
      await plant(platformId, expired, '2 days');
      const totals = await Promise.all([1, 2, 3].map(() => new IdempotencySweeper(store).sweep()));
      expect(totals.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(expired);
      expect(await countOf(platformId, true)).toBe(0);
    });

    it('joins a sweep already running instead of starting a second one', async () => {
      const sweeper = new IdempotencySweeper(store);
      const first = sweeper.sweep();
      expect(sweeper.sweep()).toBe(first);
      await first;
    });
  });
});
