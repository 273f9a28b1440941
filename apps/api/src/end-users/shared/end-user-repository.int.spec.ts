import { loadConfig } from '@app/config';
import { decide, EndUserCommand, EndUserState, endUserStreamId } from '@app/end-users';
import { readStream } from '@app/event-store';
import { Database, Sql } from '@app/persistence';
import { randomBytes, randomUUID } from 'node:crypto';
import { EndUserRepository, StaleVersion } from './end-user-repository';
import { testDataKeys } from '../../../../../test/support/data-keys';

/** The repository's round trips and its write-side tables, against the real PostgreSQL. */
describe('EndUserRepository (PostgreSQL)', () => {
  let db: Database;
  let repository: EndUserRepository;
  let statements: string[];
  const context = { requestId: null, actorKeyId: null };

  beforeAll(() => {
    const config = loadConfig();
    db = Database.connect({ ...config, DB_POOL_MAX: 4 }, 'end-user-repository-int');
    // Every statement the repository sends, whether on the pool or in a transaction.
    const counted = (sql: Sql): Sql => ({ query: (text, params) => (statements.push(text), sql.query(text, params)) });
    const pooled = db.pooled;
    Object.assign(db, { pooled: counted(pooled) });
    const transaction = db.transaction.bind(db);
    db.transaction = (work, afterCommit) => transaction((sql) => work(counted(sql)), afterCommit);
    repository = new EndUserRepository(db, testDataKeys(), config);
  });
  afterAll(() => db.close());
  beforeEach(() => (statements = []));

  /** The create handler's command: create when nobody holds the external id, else a key for its holder. */
  function createOrIssue(platformId: string, externalId: string) {
    const newEndUserId = randomUUID();
    const apiKey = { keyId: randomUUID(), keyPrefix: 'sk-eu_ab' };
    const hash = randomBytes(32);
    const command = (state: EndUserState, now: Date): EndUserCommand =>
      state.status === 'absent'
        ? {
            type: 'CreateEndUser',
            data: {
              endUserId: newEndUserId,
              platformId,
              externalId,
              displayName: null,
              metadata: {},
              apiKey,
              budgetId: randomUUID(),
              defaultBudgetUsd: null,
              now,
            },
          }
        : { type: 'IssueApiKey', data: { endUserId: state.user.id, platformId, apiKey, now } };
    return {
      apiKey,
      hash,
      run: () =>
        repository.handle({ platformId, externalId, newEndUserId }, (state, now) => decide(command(state, now), state), {
          context,
          keyHashes: new Map([[apiKey.keyId, hash]]),
        }),
    };
  }

  it('creates a new end user in one statement: claim, events, outbox, key hash and read rows', async () => {
    const platformId = randomUUID();
    const create = createOrIssue(platformId, 'one-statement');
    const created = await create.run();
    expect(statements).toHaveLength(1);
    expect(created.events.map((event) => event.type)).toEqual(['EndUserCreated']);
    const [row] = await db.query<Record<string, unknown>>(
      `SELECT (SELECT end_user_id FROM end_user_external_ids WHERE platform_id = $2 AND external_id = 'one-statement') AS claim_holder,
              (SELECT key_hash FROM end_user_key_hashes WHERE key_id = $3) AS key_hash,
              (SELECT stream_version FROM end_users WHERE id = $1) AS row_version,
              (SELECT count(*)::int FROM end_user_api_keys WHERE end_user_id = $1) AS key_rows,
              (SELECT count(*)::int FROM outbox o JOIN events e USING (event_id) WHERE e.stream_id = $4) AS outbox_rows`,
      [created.endUserId, platformId, create.apiKey.keyId, endUserStreamId(created.endUserId)],
    );
    expect(row).toEqual({ claim_holder: created.endUserId, key_hash: create.hash, row_version: 1, key_rows: 1, outbox_rows: 1 });
  });

  it('issues a key to the holder of the external id on a repeat, and stores its hash beside the event, never in it', async () => {
    const platformId = randomUUID();
    const first = await createOrIssue(platformId, 'repeat').run();
    const again = createOrIssue(platformId, 'repeat');
    statements = [];
    const repeated = await again.run();
    expect(repeated.endUserId).toBe(first.endUserId);
    expect(repeated.version).toBe(2);
    expect(repeated.events.map((event) => event.type)).toEqual(['EndUserApiKeyIssued']);
    expect(statements.some((text) => /FROM end_user_external_ids .* FOR UPDATE/s.test(text))).toBe(true);
    const [{ count }] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM end_user_key_hashes WHERE end_user_id = $1 AND key_hash = $2', [
      first.endUserId,
      again.hash,
    ]);
    expect(count).toBe(1);
    const stored = JSON.stringify((await readStream(db, endUserStreamId(first.endUserId))).map((event) => event.data));
    expect(stored).not.toContain(again.hash.toString('hex'));
    expect(stored).not.toContain(again.hash.toString('base64'));
  });

  it('frees the external id in the delete, and answers a stale expected version with the current one', async () => {
    const platformId = randomUUID();
    const { endUserId } = await createOrIssue(platformId, 'to-delete').run();
    const remove = (expectedVersion?: number) =>
      repository.handle({ platformId, endUserId }, (state, now) => decide({ type: 'DeleteEndUser', data: { endUserId, platformId, now } }, state), {
        context,
        expectedVersion,
      });
    await expect(remove(7)).rejects.toEqual(new StaleVersion(1));
    expect((await remove(1)).version).toBe(2);
    const claims = await db.query('SELECT 1 FROM end_user_external_ids WHERE platform_id = $1', [platformId]);
    expect(claims).toEqual([]);
    expect((await createOrIssue(platformId, 'to-delete').run()).endUserId).not.toBe(endUserId);
  });
});
