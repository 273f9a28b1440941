import { loadConfig } from '@app/config';
import { decodeEndUserEvent, EndUserEvent, endUserStreamId, fold, initialState } from '@app/end-users';
import { openOutboxPayload } from '@app/outbox';
import { Database, migrate, Statement } from '@app/persistence';
import { withEndUserProjections } from '@app/projections';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { documentedCliLines, runBuiltCli } from '../cli/built-cli';
import { bearer, RunningApi, startApi } from '../support/api';
import { PlatformClient } from '../support/contract';
import { testDataKeys } from '../support/data-keys';
import { createTestPlatform } from '../support/database';
import { privateDatabase } from '../support/private-database';

const COMMAND = 'data-keys seal-legacy';
const ZEROS = { streams_sealed: 0, streams_erased: 0, events_rewritten: 0 };
const OUTBOX_TYPES = {
  EndUserCreated: 'end_user.created',
  EndUserUpdated: 'end_user.updated',
  EndUserApiKeyIssued: 'end_user.api_key_issued',
  EndUserDeleted: 'end_user.deleted',
};

interface LegacyUser {
  id: string;
  marker: string;
  eventIds: string[];
  /** The messages of its unpublished outbox rows, by event id, as the code before sealing wrote them. */
  unpublished: Map<string, string>;
}

/**
 * `data-keys seal-legacy` (issue 11): events written before personal fields were sealed (schema
 * version 1, plaintext) are sealed in place, the only UPDATE the events table lets through.
 *
 * The step seals every legacy stream of its database, so this suite runs against a database of its
 * own (migrated here, dropped at the end): on the shared test database it would seal, and count,
 * other suites' streams, and its second run could not be known to find nothing. Its API runs no
 * outbox relay, so the outbox rows stay as the step leaves them.
 */
describe('data-keys seal-legacy: events stored before personal fields were sealed', () => {
  const database = privateDatabase('seal');
  const databaseUrl = database.url;
  const savedEnv = { DATABASE_URL: process.env.DATABASE_URL, OUTBOX_RELAY_ENABLED: process.env.OUTBOX_RELAY_ENABLED };
  const e2e = {} as { db: Database; api: RunningApi };
  let c: PlatformClient;

  beforeAll(async () => {
    const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl });
    await migrate(config);
    e2e.db = Database.connect({ ...config, DB_POOL_MAX: 4 }, 'end-users-tests');
    Object.assign(process.env, { DATABASE_URL: databaseUrl, OUTBOX_RELAY_ENABLED: 'false' });
    e2e.api = await startApi();
    c = new PlatformClient(e2e.api.server, await createTestPlatform(e2e.db));
  }, 120_000);

  afterAll(async () => {
    try {
      await e2e.api?.close();
      await e2e.db?.close();
    } finally {
      for (const [name, value] of Object.entries(savedEnv)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await database.drop();
    }
  }, 60_000);

  /** The README's line for the step, run as the operator runs it, on this suite's database. */
  const sealLegacy = () => {
    const line = documentedCliLines().find(({ command }) => command.join(' ') === COMMAND);
    if (!line) throw new Error(`README.md shows no \`npm run --silent cli -- ${COMMAND}\` line`);
    return runBuiltCli([...line.command, ...line.options], { DATABASE_URL: databaseUrl });
  };

  /**
   * A user as the code before sealing left it: its events at schema version 1 with every personal
   * field in the clear (each holding `marker`), no data key, outbox rows in the clear (the creation's
   * published but with its payload kept, the others not yet published); a live one also has its read
   * rows and external-id claim.
   */
  async function legacyUser(options: { deleted: boolean }): Promise<LegacyUser> {
    const id = randomUUID();
    const marker = `legacy-${randomUUID()}`;
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const events: EndUserEvent[] = [
      {
        type: 'EndUserCreated',
        data: {
          endUserId: id,
          platformId: c.platform.id,
          externalId: `${marker}-external`,
          displayName: `${marker}-name`,
          metadata: { note: `${marker}-metadata` },
          createdAt: at(3),
          apiKey: { keyId: randomUUID(), name: 'Default key', scopes: ['inference'], keyPrefix: 'sk-eu_ab', issuedAt: at(3) },
          budget: null,
        },
      },
      {
        type: 'EndUserUpdated',
        data: { endUserId: id, changes: { displayName: `${marker}-renamed`, metadata: { note: `${marker}-remetadata` } }, updatedAt: at(2) },
      },
      ...(options.deleted
        ? [{ type: 'EndUserDeleted', data: { endUserId: id, platformId: c.platform.id, externalId: `${marker}-external`, deletedAt: at(1) } } as const]
        : []),
    ];
    const eventIds = events.map(() => randomUUID());
    let unpublished = new Map<string, string>();
    await e2e.db.transaction(async (sql) => {
      for (const [index, event] of events.entries()) {
        await sql.query(
          `INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, payload, metadata)
           VALUES ($1, $2, $3, $4, 1, $5::jsonb, $6::jsonb)`,
          [
            eventIds[index],
            endUserStreamId(id),
            index + 1,
            event.type,
            JSON.stringify(event.data),
            JSON.stringify({ requestId: null, actorKeyId: null, occurredAt: at(3 - index) }),
          ],
        );
      }
      const messages = events.map((event, index) => ({
        eventId: eventIds[index],
        type: OUTBOX_TYPES[event.type],
        payload: JSON.stringify({ event_id: eventIds[index], event_type: OUTBOX_TYPES[event.type], data: { external_id: `${marker}-external`, at: at(1) } }),
      }));
      for (const [index, message] of messages.entries()) {
        await sql.query(
          `INSERT INTO outbox (event_id, topic, message_key, payload, headers, published_at)
           VALUES ($1, 'end-users.events.v1.legacy', $2, $3, $4::jsonb, CASE WHEN $5 THEN now() END)`,
          [message.eventId, id, message.payload, JSON.stringify({ event_type: message.type, event_id: message.eventId }), index === 0],
        );
      }
      unpublished = new Map(messages.slice(1).map((message) => [message.eventId, message.payload]));
      if (options.deleted) return;
      const statement = new Statement();
      withEndUserProjections(statement, { state: initialState(), version: 0 }, { state: fold(events, initialState()), version: events.length });
      await statement.run(sql, 'SELECT 1');
      await sql.query('INSERT INTO end_user_external_ids (platform_id, external_id, end_user_id) VALUES ($1, $2, $3)', [
        c.platform.id,
        `${marker}-external`,
        id,
      ]);
    });
    return { id, marker, eventIds, unpublished };
  }

  const eventsOf = (user: LegacyUser) =>
    e2e.db.query<{ event_type: string; schema_version: number; payload: Record<string, unknown> }>(
      'SELECT event_type, schema_version, payload FROM events WHERE stream_id = $1 ORDER BY stream_version',
      [endUserStreamId(user.id)],
    );
  const hasKey = async (user: LegacyUser) => (await e2e.db.query('SELECT 1 FROM end_user_data_keys WHERE end_user_id = $1', [user.id])).length === 1;
  /** Every stored event whose payload still holds the marker, whatever stream it is in. */
  const plaintextOf = (user: LegacyUser) =>
    e2e.db.query<{ payload: string }>('SELECT payload::text AS payload FROM events WHERE strpos(payload::text, $1) > 0', [user.marker]);
  const outboxOf = async (user: LegacyUser) =>
    new Map(
      (
        await e2e.db.query<{ event_id: string; payload: string | null }>('SELECT event_id, payload FROM outbox WHERE event_id = ANY($1::uuid[])', [
          user.eventIds,
        ])
      ).map((row) => [row.event_id, row.payload]),
    );

  it('seals a live user with a data key of its own, erases a deleted one, and a second run finds nothing to do', async () => {
    const live = await legacyUser({ deleted: false });
    const deleted = await legacyUser({ deleted: true });
    // Deleted through the API after the upgrade: its DELETE is sealed, its older events are not.
    const deletedSinceUpgrade = await legacyUser({ deleted: false });
    expect((await c.delete(deletedSinceUpgrade.id)).status).toBe(204);
    const idempotencyKey = `legacy-${randomUUID()}`;
    await e2e.db.query(
      `INSERT INTO idempotency_keys (platform_id, key, fingerprint, status, body, headers, completed_at, end_user_id)
       VALUES ($1, $2, '\\x01'::bytea, 200, $3::jsonb, '{}'::jsonb, now(), $4)`,
      [c.platform.id, idempotencyKey, JSON.stringify({ external_id: `${deleted.marker}-external` }), deleted.id],
    );
    for (const user of [live, deleted, deletedSinceUpgrade]) expect((await plaintextOf(user)).length).toBeGreaterThan(0);
    expect(await hasKey(live)).toBe(false);

    const run = await sealLegacy();
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 0,
      stderr: expect.stringMatching(
        /^sealed 1 streams, erased 2, rewrote 7 events; outbox: 3 published payloads removed, 4 unpublished rewritten; 1 idempotent responses erased$/m,
      ),
    });
    expect(JSON.parse(run.stdout)).toEqual({ streams_sealed: 1, streams_erased: 2, events_rewritten: 2 + 3 + 2 });

    for (const user of [live, deleted, deletedSinceUpgrade]) {
      expect({ user: user.id, plaintext: await plaintextOf(user) }).toEqual({ user: user.id, plaintext: [] });
      expect({ user: user.id, versions: (await eventsOf(user)).map((event) => event.schema_version) }).toEqual({
        user: user.id,
        versions: user === live ? [2, 2] : [2, 2, 2],
      });
      const outbox = await outboxOf(user);
      expect(outbox.get(user.eventIds[0])).toBeNull();
      for (const payload of outbox.values()) expect(payload ?? '').not.toContain(user.marker);
    }
    // The deleted users have no key, so nothing of theirs can be read again; their facts can.
    expect(await hasKey(deleted)).toBe(false);
    expect(await hasKey(deletedSinceUpgrade)).toBe(false);
    const erased = (await eventsOf(deleted)).map((stored) =>
      decodeEndUserEvent({ type: stored.event_type, schemaVersion: stored.schema_version, data: stored.payload }, null),
    );
    expect(erased.map((event) => event.type)).toEqual(['EndUserCreated', 'EndUserUpdated', 'EndUserDeleted']);
    expect(erased[0].data).toMatchObject({ endUserId: deleted.id, platformId: c.platform.id, externalId: '', displayName: null, metadata: {} });
    const [response] = await e2e.db.query<{ body: unknown; erased: boolean }>(
      'SELECT body, erased_at IS NOT NULL AS erased FROM idempotency_keys WHERE platform_id = $1 AND key = $2',
      [c.platform.id, idempotencyKey],
    );
    expect(response).toEqual({ body: null, erased: true });
    // Its unpublished outbox rows: the update sealed (with a key that is gone), the deletion notice readable, without the external id.
    const deletedOutbox = await outboxOf(deleted);
    const [updatedId, deletedId] = [deleted.eventIds[1], deleted.eventIds[2]];
    expect(deletedOutbox.get(updatedId)).toMatch(/^pd1:/);
    expect(JSON.parse(deletedOutbox.get(deletedId)!)).toEqual({ event_id: deletedId, event_type: 'end_user.deleted', data: { at: expect.any(String) } });

    // The live user has its key now, and the API reads its sealed history as before.
    expect(await hasKey(live)).toBe(true);
    const cipher = (await testDataKeys().cipherOf(e2e.db, live.id))!;
    const liveOutbox = await outboxOf(live);
    expect(openOutboxPayload(live.eventIds[1], liveOutbox.get(live.eventIds[1])!, cipher)).toBe(live.unpublished.get(live.eventIds[1]));
    const now = await request(c.server)
      .get(`${c.base}/end-users/${live.id}?as_of=${encodeURIComponent(new Date().toISOString())}`)
      .set(bearer(c.platform.key));
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({
      id: live.id,
      external_id: `${live.marker}-external`,
      display_name: `${live.marker}-renamed`,
      metadata: { note: `${live.marker}-remetadata` },
    });
    const history = await request(c.server).get(`${c.base}/end-users/${live.id}/events`).set(bearer(c.platform.key));
    expect(history.status).toBe(200);
    expect(history.body.data.map((event: { event_type: string }) => event.event_type)).toEqual(['end_user.created', 'end_user.updated']);
    expect(history.body.data[0].data).toMatchObject({
      external_id: `${live.marker}-external`,
      display_name: `${live.marker}-name`,
      metadata: { note: `${live.marker}-metadata` },
    });
    expect(history.body.data[1].data.changes).toEqual({ display_name: `${live.marker}-renamed`, metadata: { note: `${live.marker}-remetadata` } });
    // And it keeps being written with the same key.
    expect((await c.patch(live.id, { display_name: `${live.marker}-patched` })).status).toBe(200);
    expect((await c.get(live.id)).body).toMatchObject({ display_name: `${live.marker}-patched`, external_id: `${live.marker}-external` });

    const again = await sealLegacy();
    expect({ code: again.code, result: JSON.parse(again.stdout) }).toEqual({ code: 0, result: ZEROS });
    expect(again.stderr).toMatch(
      /^sealed 0 streams, erased 0, rewrote 0 events; outbox: 0 published payloads removed, 0 unpublished rewritten; 0 idempotent responses erased$/m,
    );
  }, 120_000);

  describe('the append-only trigger', () => {
    /**
     * Runs `update` (with $1 the global position of a fresh version-1 EndUserCreated event) in a
     * transaction that is rolled back, with or without the step's setting; the error it raised, if any.
     */
    async function attempt(update: string, withSetting: boolean, eventType = 'EndUserCreated'): Promise<string | null> {
      const { client, release } = await e2e.db.checkOut();
      try {
        await client.query('BEGIN');
        const {
          rows: [{ global_position }],
        } = await client.query<{ global_position: string }>(
          `INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, payload, metadata)
           VALUES ($1, $2, 1, $3, 1, '{"externalId": "probe"}', '{}') RETURNING global_position`,
          [randomUUID(), endUserStreamId(randomUUID()), eventType],
        );
        if (withSetting) await client.query("SET LOCAL end_users.sealing_legacy_events = 'on'");
        await client.query(update, [global_position]);
        return null;
      } catch (error) {
        return (error as Error).message;
      } finally {
        await client.query('ROLLBACK');
        release();
      }
    }
    const REFUSED = /^the events table is append-only \((UPDATE|DELETE) refused\)$/;
    const SEAL = `UPDATE events SET payload = '{"externalId": "pd1:x"}', schema_version = 2 WHERE global_position = $1`;

    it('lets the step seal a version-1 event: payload and schema version 1 to 2, nothing else', async () => {
      expect(await attempt(SEAL, true)).toBeNull();
    });

    it('refuses that same UPDATE without the setting', async () => {
      expect(await attempt(SEAL, false)).toMatch(REFUSED);
      expect(await attempt('UPDATE events SET payload = payload WHERE global_position = $1', false)).toMatch(REFUSED);
    });

    it('refuses, even with the setting, an UPDATE that changes any other column, or not 1 to 2, or of another type; and every DELETE', async () => {
      const refused = [
        `UPDATE events SET payload = '{}', schema_version = 2, stream_id = stream_id || '-moved' WHERE global_position = $1`,
        `UPDATE events SET schema_version = 2, metadata = '{"requestId": "forged"}' WHERE global_position = $1`,
        `UPDATE events SET schema_version = 2, recorded_at = now() - interval '1 day' WHERE global_position = $1`,
        `UPDATE events SET schema_version = 2, event_type = 'EndUserUpdated' WHERE global_position = $1`,
        `UPDATE events SET payload = '{}' WHERE global_position = $1`,
        `UPDATE events SET schema_version = 3 WHERE global_position = $1`,
        'DELETE FROM events WHERE global_position = $1',
      ];
      for (const update of refused) expect({ update, error: await attempt(update, true) }).toEqual({ update, error: expect.stringMatching(REFUSED) });
      expect(await attempt(SEAL, true, 'EndUserApiKeyIssued')).toMatch(REFUSED);
    });
  });
});
