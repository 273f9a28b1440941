import { DEVELOPMENT_DATA_KEK, loadConfig, parseKekRing } from '@app/config';
import { decodeEndUserEvent, EndUserEvent, PersonalFieldCipher } from '@app/end-users';
import { Database } from '@app/persistence';
import { KekRing } from '@app/personal-data';
import { rebuildProjection, RebuildResult, STREAM_PROJECTIONS } from '@app/projections';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request, { Response } from 'supertest';
import { bearer } from '../support/api';
import { expectError, UUID } from '../support/contract';
import { testDataKeys } from '../support/data-keys';
import { createTestPlatform, TestPlatform } from '../support/database';
import { eventually } from '../support/eventually';
import { deleteTopics, ensureTopic, testKafka } from '../support/kafka';
import { LoggedApp, spawnLoggedApp } from '../support/logged-app';
import { CLEAN_UP_REACTION, rowCounts, storedEventId, waitForBudgetRow, waitForInbox } from '../support/messaging';

jest.setTimeout(120_000);

/**
 * Issue 11 part 8, platform-api.md "Erasure": once an end user's DELETE has committed (and the
 * worker's cascade and the outbox relay have run), no readable copy of its personal data is left
 * in the service's database or logs. Two users get a unique marker in every personal field; one is
 * deleted. Then every column of every table (each row cast to text), a pg_dump of the whole
 * database and the API's and worker's logs are searched for each marker: in the clear, as hex and
 * as base64. The live user's markers are the control: found where its read rows keep them, sealed
 * everywhere else, still readable through the API.
 *
 * The API and the worker run as processes of their own at LOG_LEVEL=verbose (the most verbose the
 * apps have), on a topic and consumer group of their own, so the worker's log covers every event
 * of these users and no other suite's worker takes them.
 */

type Owner = 'erased' | 'live';
/** Where each marker goes: `idem` only in the body of an idempotent repeat create (which ignores it), `mcp` only in MCP credentials. */
const FIELDS = ['ext', 'name', 'meta', 'patched', 'patchedmeta', 'idem', 'mcp'] as const;
type Field = (typeof FIELDS)[number];

interface Marker {
  owner: Owner;
  field: string;
  value: string;
}

type Form = 'plain' | 'hex' | 'base64';
interface Needle {
  marker: Marker;
  form: Form;
  text: string;
  caseSensitive: boolean;
}

/**
 * The forms a copy of `core` can take: in the clear, as hex (a bytea cast to text, encode(..., 'hex'))
 * and as base64. Base64 depends on where the value starts within the encoded bytes, so each of the
 * three alignments gives the characters that encode only the core's own bits.
 */
function needlesOf(marker: Marker, core: Buffer, plain: boolean): Needle[] {
  const needles: Needle[] = [];
  if (plain) needles.push({ marker, form: 'plain', text: core.toString('utf8'), caseSensitive: false });
  needles.push({ marker, form: 'hex', text: core.toString('hex'), caseSensitive: false });
  for (const pad of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(pad), core]).toString('base64');
    const first = Math.ceil((8 * pad) / 6);
    const last = Math.floor((8 * (pad + core.length)) / 6);
    needles.push({ marker, form: 'base64', text: encoded.slice(first, last), caseSensitive: true });
  }
  return needles;
}

/** A marker's unique part is its UUID: any copy of the marker (or of a value holding it) holds it. */
const coreOf = (value: string) => Buffer.from(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/.exec(value)![0], 'utf8');

function countIn(haystack: string, lowered: string, needle: Needle): number {
  const [text, within] = needle.caseSensitive ? [needle.text, haystack] : [needle.text.toLowerCase(), lowered];
  let count = 0;
  for (let at = within.indexOf(text); at !== -1; at = within.indexOf(text, at + 1)) count++;
  return count;
}

interface Hit {
  place: string;
  owner: Owner;
  field: string;
  form: Form;
  count: number;
}

const describeHits = (hits: Hit[]) => hits.map((hit) => `${hit.place}: ${hit.owner} ${hit.field} (${hit.form}) in ${hit.count}`);

/** Hits of every needle in a text (a dump, a log). */
function scanText(place: string, text: string, needles: Needle[]): Hit[] {
  const lowered = text.toLowerCase();
  return needles.flatMap((needle) => {
    const count = countIn(text, lowered, needle);
    return count > 0 ? [{ place, owner: needle.marker.owner, field: needle.marker.field, form: needle.form, count }] : [];
  });
}

interface TableScan {
  tables: number;
  rows: number;
  /** Tables a concurrent rebuild (another suite's) dropped between listing and reading them. */
  vanished: string[];
  hits: Hit[];
}

/**
 * Every row of every table of every schema of the database, cast to text (a bytea as hex), matched
 * against every needle. Each row is cast once (a materialized CTE) and searched with strpos: the
 * same as `t::text ILIKE '%needle%'` (LIKE for base64, which is case-sensitive), fast enough for
 * dozens of needles over the shared test database.
 */
async function scanTables(db: Database, needles: Needle[], only?: string[]): Promise<TableScan> {
  const tables = await db.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') AND ($1::text[] IS NULL OR table_name = ANY($1))
     ORDER BY 1, 2`,
    [only ?? null],
  );
  const filters = needles.map((needle, i) => `count(*) FILTER (WHERE strpos(${needle.caseSensitive ? 'text' : 'lowered'}, $${i + 1}) > 0)::int AS h${i}`);
  const params = needles.map((needle) => (needle.caseSensitive ? needle.text : needle.text.toLowerCase()));
  const scan: TableScan = { tables: 0, rows: 0, vanished: [], hits: [] };
  for (const { schema, name } of tables) {
    let row: Record<string, number>;
    try {
      [row] = await db.query<Record<string, number>>(
        `WITH r AS MATERIALIZED (SELECT text, lower(text) AS lowered FROM (SELECT t::text AS text FROM "${schema}"."${name}" t) q)
         SELECT count(*)::int AS rows, ${filters.join(', ')} FROM r`,
        params,
      );
    } catch (error) {
      if ((error as { code?: string }).code === '42P01' || /does not exist/.test((error as Error).message)) {
        scan.vanished.push(name);
        continue;
      }
      throw error;
    }
    scan.tables++;
    scan.rows += row.rows;
    const place = schema === 'public' ? name : `${schema}.${name}`;
    needles.forEach((needle, i) => {
      if (row[`h${i}`] > 0) scan.hits.push({ place, owner: needle.marker.owner, field: needle.marker.field, form: needle.form, count: row[`h${i}`] });
    });
  }
  return scan;
}

const run = promisify(execFile);

/** The whole test database, schema and data, as pg_dump writes it. */
async function dumpDatabase(file: string): Promise<string> {
  const args = ['--no-owner', '--no-privileges', '--file', file, '--dbname', process.env.DATABASE_URL!];
  // A concurrent rebuild (another suite's) may drop a table pg_dump has listed: once more then.
  await run('pg_dump', args).catch(() => run('pg_dump', args));
  return fs.readFileSync(file, 'utf8');
}

/** A table name without the suffix of a rebuild's copy (`end_users__rebuild`), which a concurrent rebuild may have. */
const baseTable = (place: string) => place.replace(/__\w+$/, '');

interface StoredRow {
  event_id: string;
  stream_id: string;
  stream_version: number;
  event_type: string;
  schema_version: number;
  payload: unknown;
}

describe('forensic erasure: no readable copy of a deleted user in any table, dump or log', () => {
  // The logs and dumps (a dump is a copy of the whole database) are removed afterwards, unless
  // TEST_CHILD_LOG_DIR asks to keep children's output, as for spawnApp.
  const keepDir = process.env.TEST_CHILD_LOG_DIR;
  const workDir = fs.mkdtempSync(path.join(keepDir ?? os.tmpdir(), 'end-users-forensic-'));
  const topic = `end-users.forensic.${randomUUID()}`;
  const group = `end-users-forensic-${randomUUID()}`;
  const summary: Record<string, unknown> = { workDir, topic };
  let db: Database;
  let api: LoggedApp | undefined;
  let worker: LoggedApp | undefined;
  let platform: TestPlatform;

  interface Subject {
    owner: Owner;
    markers: Record<Field, string>;
    idempotencyKeys: { create: string; patch: string; repeat: string; mcp: string; limits: string };
    id: string;
    created: Record<string, any>;
    repeat: Record<string, any>;
    /** An instant between the create and the PATCH. */
    beforePatch: string;
    /** The user's history as the API showed it before the delete. */
    history: Array<Record<string, any>>;
  }
  const subjects = {} as Record<Owner, Subject>;
  let needles: Needle[] = [];
  let erasedDeletedEventId: string;
  /** The erased user's cipher as it was before the delete: it shows that its events still hold the sealed values, which only the destroyed key opened. */
  let erasedCipher: PersonalFieldCipher;

  const base = () => `/v1/platforms/${platform.id}`;
  const call = () => request(api!.baseUrl);
  const send = (method: 'post' | 'patch' | 'put', path: string, idempotencyKey: string, body: object): Promise<Response> =>
    call()[method](`${base()}${path}`).set(bearer(platform.key)).set('Idempotency-Key', idempotencyKey).send(body);
  const get = (path: string, query: Record<string, string> = {}) => call().get(`${base()}${path}`).set(bearer(platform.key)).query(query);

  const createBody = (s: Subject) => ({
    external_id: s.markers.ext,
    display_name: s.markers.name,
    metadata: { plan: 'pro', profile: { contact: { email: `${s.markers.meta}@example.test` }, tags: ['a', s.markers.meta] } },
  });
  const patchBody = (s: Subject) => ({ display_name: s.markers.patched, metadata: { profile: { note: s.markers.patchedmeta } } });
  // A repeat create issues a key and changes nothing else: its display_name reaches only the request.
  const repeatBody = (s: Subject) => ({ external_id: s.markers.ext, display_name: s.markers.idem });
  const mcpBody = (s: Subject) => ({ app: 'github', credentials: { token: s.markers.mcp, oauth: { refresh_token: `r-${s.markers.mcp}` } } });
  const limitsBody = { rpm_limit: 60, tpm_limit: 10_000, rpd_limit: 1_000 };

  /** Everything the issue lists, through the API: idempotent create, PATCH, repeat create, MCP credentials, a rate-limit override. */
  async function equip(owner: Owner): Promise<Subject> {
    const s = {
      owner,
      markers: Object.fromEntries(FIELDS.map((field) => [field, `FORENSIC-${randomUUID()}-${owner}-${field}`])) as Record<Field, string>,
      idempotencyKeys: { create: '', patch: '', repeat: '', mcp: '', limits: '' },
    } as Subject;
    for (const name of Object.keys(s.idempotencyKeys) as Array<keyof Subject['idempotencyKeys']>) s.idempotencyKeys[name] = `forensic-${name}-${randomUUID()}`;

    const created = await send('post', '/end-users', s.idempotencyKeys.create, createBody(s));
    expect(created.status).toBe(201);
    s.created = created.body;
    s.id = created.body.id;
    await new Promise((resolve) => setTimeout(resolve, 20));
    s.beforePatch = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await send('patch', `/end-users/${s.id}`, s.idempotencyKeys.patch, patchBody(s))).status).toBe(200);
    const repeat = await send('post', '/end-users', s.idempotencyKeys.repeat, repeatBody(s));
    expect(repeat.status).toBe(200);
    expect(repeat.body.id).toBe(s.id);
    s.repeat = repeat.body;
    expect((await send('post', `/end-users/${s.id}/mcp-connections`, s.idempotencyKeys.mcp, mcpBody(s))).status).toBe(201);
    expect((await send('put', `/end-users/${s.id}/rate-limits`, s.idempotencyKeys.limits, limitsBody)).status).toBe(200);
    // The external id in a query string: the access log keeps the path only.
    expect((await get('/end-users', { external_id: s.markers.ext })).body.total).toBe(1);
    const history = await get(`/end-users/${s.id}/events`);
    expect(history.status).toBe(200);
    s.history = history.body.data;
    expect(s.history.map((event) => event.event_type)).toEqual(['end_user.created', 'end_user.updated', 'end_user.api_key_issued']);
    return s;
  }

  const outboxOf = (ids: string[]) =>
    db.query<{ total: number; pending: number; topics: string[] }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE published_at IS NULL OR payload IS NOT NULL)::int AS pending, array_agg(DISTINCT topic) AS topics
       FROM outbox WHERE message_key = ANY($1::text[])`,
      [ids],
    );

  const streamOf = (endUserId: string) =>
    db.query<StoredRow>(
      'SELECT event_id, stream_id, stream_version, event_type, schema_version, payload FROM events WHERE stream_id = $1 ORDER BY stream_version',
      [`end_user-${endUserId}`],
    );
  /** A stored event through the service's own codec, so the test does not depend on how the payload lays out sealed fields. */
  const decoded = (row: StoredRow, cipher: PersonalFieldCipher | null): EndUserEvent =>
    decodeEndUserEvent({ type: row.event_type, schemaVersion: row.schema_version, data: row.payload }, cipher);

  beforeAll(async () => {
    // Its own pool, with a statement timeout long enough to read every row of the shared database.
    db = Database.connect({ ...loadConfig(), DB_POOL_MAX: 4, DB_STATEMENT_TIMEOUT_MS: 120_000 }, 'end-users-tests-forensic');
    await ensureTopic(topic, 3);
    await ensureTopic(`${topic}.dlt`, 3);
    const env = { LOG_LEVEL: 'verbose', KAFKAJS_LOG_LEVEL: 'debug', KAFKA_TOPIC: topic, KAFKA_DLT_TOPIC: `${topic}.dlt`, KAFKA_CONSUMER_GROUP: group };
    api = await spawnLoggedApp('api', workDir, env);
    worker = await spawnLoggedApp('worker', workDir, env);
    platform = await createTestPlatform(db, { default_budget_usd: 5 }, 'Forensic erasure');

    subjects.erased = await equip('erased');
    subjects.live = await equip('live');
    for (const s of Object.values(subjects)) await waitForBudgetRow(db, s.id);
    expect(await rowCounts(db, subjects.erased.id)).toMatchObject({
      budgets: 1,
      budget_ledger: 1,
      end_user_rate_limits: 1,
      mcp_connections: 1,
      end_user_key_hashes: 2,
    });

    const erasedId = subjects.erased.id;
    const [key] = await db.query<{ kek_id: string; wrapped_key: Buffer }>('SELECT kek_id, wrapped_key FROM end_user_data_keys WHERE end_user_id = $1', [
      erasedId,
    ]);
    const ring = new KekRing(process.env.DATA_KEK ? parseKekRing(process.env.DATA_KEK) : [DEVELOPMENT_DATA_KEK]);
    const dataKey = ring.unwrap(erasedId, { kekId: key.kek_id, wrapped: key.wrapped_key });
    erasedCipher = (await testDataKeys().cipherOf(db, erasedId))!;

    needles = [
      ...Object.values(subjects)
        .flatMap((s) => FIELDS.map((field) => ({ owner: s.owner, field, value: s.markers[field] })))
        .flatMap((m) => needlesOf(m, coreOf(m.value), true)),
      // The destroyed key, wrapped as it was stored and unwrapped: no copy of either may survive it.
      ...needlesOf({ owner: 'erased', field: 'wrapped data key', value: '' }, key.wrapped_key, false),
      ...needlesOf({ owner: 'erased', field: 'data key', value: '' }, dataKey, false),
    ];

    expect((await call().delete(`${base()}/end-users/${erasedId}`).set(bearer(platform.key))).status).toBe(204);
    erasedDeletedEventId = await storedEventId(db, erasedId, 'EndUserDeleted');
    // The worker's cascade, then the relay: every outbox row of both users published and emptied.
    await waitForInbox(db, CLEAN_UP_REACTION, erasedDeletedEventId, 60_000);
    await eventually(async () => {
      const counts = await rowCounts(db, erasedId);
      return Object.values(counts).every((count) => count === 0) ? counts : undefined;
    }, 30_000);
    const [outbox] = await eventually(async () => {
      const rows = await outboxOf([erasedId, subjects.live.id]);
      return rows[0].pending === 0 ? rows : undefined;
    }, 30_000);
    expect(outbox).toEqual({ total: 7, pending: 0, topics: [topic] });
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await deleteTopics([topic, `${topic}.dlt`]).catch(() => undefined);
    const admin = testKafka('end-users-tests-forensic').admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([group]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
    await db?.close();
    if (!keepDir) fs.rmSync(workDir, { recursive: true, force: true });
    console.log(`forensic erasure scan counts:\n${JSON.stringify(summary, null, 2)}`);
  });

  const erasedHits = (hits: Hit[]) => describeHits(hits.filter((hit) => hit.owner === 'erased'));

  /** Where the live user's markers may be in the clear: its read rows (end_users, and end_user_external_ids for the external id). */
  function expectLiveOnlyInReadRows(hits: Hit[]): void {
    const live = hits.filter((hit) => hit.owner === 'live');
    const placesOf = (field: string, form: Form) =>
      [...new Set(live.filter((hit) => hit.field === field && hit.form === form).map((hit) => baseTable(hit.place)))].sort();
    expect({
      ext: placesOf('ext', 'plain'),
      patched: placesOf('patched', 'plain'),
      patchedmeta: placesOf('patchedmeta', 'plain'),
      elsewhere: describeHits(live.filter((hit) => hit.form !== 'plain' || !['ext', 'patched', 'patchedmeta'].includes(hit.field))),
    }).toEqual({ ext: ['end_user_external_ids', 'end_users'], patched: ['end_users'], patchedmeta: ['end_users'], elsewhere: [] });
  }

  function tableSummary(scan: TableScan) {
    return {
      tables: scan.tables,
      rows: scan.rows,
      needles: needles.length,
      vanished: scan.vanished,
      erasedHits: erasedHits(scan.hits),
      liveHits: describeHits(scan.hits.filter((h) => h.owner === 'live')),
    };
  }

  it("finds the erased user's markers and data key in no column of any table (clear, hex, base64); the live user's only in its read rows", async () => {
    const scan = await scanTables(db, needles);
    summary.tables = tableSummary(scan);
    console.log(`table scan: ${scan.tables} tables, ${scan.rows} rows, ${needles.length} needles, erased hits ${erasedHits(scan.hits).length}`);
    expect(scan.tables).toBeGreaterThanOrEqual(18);
    expect(erasedHits(scan.hits)).toEqual([]);
    expectLiveOnlyInReadRows(scan.hits);
  });

  it('finds none of them in a pg_dump of the whole database', async () => {
    const dump = await dumpDatabase(path.join(workDir, 'dump.sql'));
    const hits = scanText('pg_dump', dump, needles);
    summary.pgDump = { bytes: Buffer.byteLength(dump), erasedHits: erasedHits(hits), liveHits: describeHits(hits.filter((h) => h.owner === 'live')) };
    console.log(`pg_dump: ${Buffer.byteLength(dump)} bytes, erased hits ${erasedHits(hits).length}`);
    expect(dump).toContain('COPY public.events');
    expect(erasedHits(hits)).toEqual([]);
    // The control: the live user's current values are in the dump (its read rows), nothing else of it.
    const live = (field: string) => hits.filter((hit) => hit.owner === 'live' && hit.field === field);
    expect(live('ext').find((hit) => hit.form === 'plain')?.count).toBeGreaterThanOrEqual(2);
    expect(live('patched').length).toBeGreaterThan(0);
    expect(
      describeHits(hits.filter((hit) => hit.owner === 'live' && (hit.form !== 'plain' || !['ext', 'patched', 'patchedmeta'].includes(hit.field)))),
    ).toEqual([]);
  });

  it('still finds none after a projections rebuild of every stream projection, whose verification matches', async () => {
    const results: RebuildResult[] = [];
    for (const projection of STREAM_PROJECTIONS) results.push(await rebuildProjection(db, testDataKeys(), projection));
    for (const result of results) expect(result.verification).toMatchObject({ matches: true, rows: result.verification.expectedRows });
    expect((await get(`/end-users/${subjects.erased.id}`)).status).toBe(404);
    expect((await get(`/end-users/${subjects.live.id}`)).body.display_name).toBe(subjects.live.markers.patched);

    const scan = await scanTables(db, needles);
    const dump = await dumpDatabase(path.join(workDir, 'dump-after-rebuild.sql'));
    const dumpHits = scanText('pg_dump', dump, needles);
    summary.afterRebuild = {
      rebuilt: results.map((r) => ({ projection: r.projection, eventsApplied: r.eventsApplied, rows: r.verification.rows, matches: r.verification.matches })),
      tables: tableSummary(scan),
      pgDump: { bytes: Buffer.byteLength(dump), erasedHits: erasedHits(dumpHits) },
    };
    console.log(
      `after rebuild: ${scan.tables} tables, ${scan.rows} rows, dump ${Buffer.byteLength(dump)} bytes, erased hits ${erasedHits(scan.hits).length + erasedHits(dumpHits).length}`,
    );
    expect(erasedHits(scan.hits)).toEqual([]);
    expect(erasedHits(dumpHits)).toEqual([]);
    expectLiveOnlyInReadRows(scan.hits);
  });

  it("keeps the live user's markers readable through the API, and sealed in its events", async () => {
    const live = subjects.live;
    const m = live.markers;
    const now = await get(`/end-users/${live.id}`);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ external_id: m.ext, display_name: m.patched, metadata: { profile: { note: m.patchedmeta } } });
    const asOfNow = await get(`/end-users/${live.id}`, { as_of: new Date().toISOString() });
    expect(asOfNow.status).toBe(200);
    expect(asOfNow.body).toMatchObject({ external_id: m.ext, display_name: m.patched, metadata: { profile: { note: m.patchedmeta } } });
    const asOfBefore = await get(`/end-users/${live.id}`, { as_of: live.beforePatch });
    expect(asOfBefore.status).toBe(200);
    expect(asOfBefore.body).toMatchObject({ external_id: m.ext, display_name: m.name, metadata: createBody(live).metadata });

    const history = await get(`/end-users/${live.id}/events`);
    expect(history.status).toBe(200);
    expect(history.body.data.map((event: Record<string, any>) => [event.event_type, event.data])).toEqual([
      ['end_user.created', expect.objectContaining({ external_id: m.ext, display_name: m.name, metadata: createBody(live).metadata })],
      ['end_user.updated', expect.objectContaining({ changes: { display_name: m.patched, metadata: { profile: { note: m.patchedmeta } } } })],
      ['end_user.api_key_issued', expect.objectContaining({ api_key: expect.objectContaining({ id: live.repeat.api_key.id }) })],
    ]);
    const connections = await get(`/end-users/${live.id}/mcp-connections`);
    expect(connections.body.data).toEqual([expect.objectContaining({ app: 'github', end_user_id: live.id })]);
    expect(connections.text).not.toContain(m.mcp);

    // In the event store the same values are sealed: no row of `events` holds any form of them ...
    const liveScan = await scanTables(
      db,
      needles.filter((needle) => needle.marker.owner === 'live'),
      ['events'],
    );
    expect({ tables: liveScan.tables, hits: describeHits(liveScan.hits) }).toEqual({ tables: 1, hits: [] });
    // ... and open with its data key, which still exists.
    const cipher = await testDataKeys().cipherOf(db, live.id);
    expect(cipher).not.toBeNull();
    const [created, updated] = await streamOf(live.id);
    expect(decoded(created, cipher)).toMatchObject({
      type: 'EndUserCreated',
      data: { externalId: m.ext, displayName: m.name, metadata: createBody(live).metadata },
    });
    expect(decoded(updated, cipher)).toMatchObject({ type: 'EndUserUpdated', data: { changes: { displayName: m.patched } } });
  });

  it("keeps the erased user's facts in the event store: its stream, event ids, types, versions, keys and budget; its data key is gone", async () => {
    const erased = subjects.erased;
    const m = erased.markers;
    const rows = await streamOf(erased.id);
    expect(rows.map((row) => [row.stream_id, row.event_type, row.stream_version])).toEqual([
      [`end_user-${erased.id}`, 'EndUserCreated', 1],
      [`end_user-${erased.id}`, 'EndUserUpdated', 2],
      [`end_user-${erased.id}`, 'EndUserApiKeyIssued', 3],
      [`end_user-${erased.id}`, 'EndUserDeleted', 4],
    ]);
    expect(rows.map((row) => row.event_id)).toEqual([...erased.history.map((event) => event.event_id), erasedDeletedEventId]);
    for (const row of rows) expect(row.event_id).toMatch(UUID);

    expect(await db.query('SELECT 1 FROM end_user_data_keys WHERE end_user_id = $1', [erased.id])).toEqual([]);
    expect(await testDataKeys().cipherOf(db, erased.id)).toBeNull();
    // Read as the service reads them now (no key): the facts, and empty personal fields.
    const [created, updated, issued, deleted] = rows.map((row) => decoded(row, null));
    expect(created).toMatchObject({
      type: 'EndUserCreated',
      data: {
        endUserId: erased.id,
        platformId: platform.id,
        externalId: '',
        displayName: null,
        metadata: {},
        apiKey: { keyId: erased.created.api_key.id, keyPrefix: erased.created.api_key.key_prefix, name: 'Default key' },
        budget: { budgetId: erased.created.budget.id, period: 'monthly' },
      },
    });
    expect(updated).toMatchObject({ type: 'EndUserUpdated', data: { endUserId: erased.id, changes: { displayName: null, metadata: {} } } });
    expect(issued).toMatchObject({ type: 'EndUserApiKeyIssued', data: { endUserId: erased.id, apiKey: { keyId: erased.repeat.api_key.id } } });
    expect(deleted).toMatchObject({ type: 'EndUserDeleted', data: { endUserId: erased.id, platformId: platform.id, externalId: '' } });
    // The personal fields are still there, sealed: the key as it was before the delete opens them. Only its destruction protects them.
    expect(decoded(rows[0], erasedCipher)).toMatchObject({ data: { externalId: m.ext, displayName: m.name, metadata: createBody(erased).metadata } });
    expect(decoded(rows[1], erasedCipher)).toMatchObject({ data: { changes: { displayName: m.patched, metadata: { profile: { note: m.patchedmeta } } } } });
    expect(decoded(rows[3], erasedCipher)).toMatchObject({ data: { externalId: m.ext } });

    expect((await get(`/end-users/${erased.id}`)).status).toBe(404);
    expect((await get(`/end-users/${erased.id}/events`)).status).toBe(404);
    expect((await get('/end-users', { external_id: m.ext })).body.total).toBe(0);
  });

  it("answers 410 gone to replays of the erased user's idempotent requests, and runs none of them again", async () => {
    const erased = subjects.erased;
    const keys = erased.idempotencyKeys;
    const replays: Array<[string, Response]> = [
      ['create', await send('post', '/end-users', keys.create, createBody(erased))],
      ['patch', await send('patch', `/end-users/${erased.id}`, keys.patch, patchBody(erased))],
      ['repeat create', await send('post', '/end-users', keys.repeat, repeatBody(erased))],
      ['mcp connection', await send('post', `/end-users/${erased.id}/mcp-connections`, keys.mcp, mcpBody(erased))],
      ['rate limits', await send('put', `/end-users/${erased.id}/rate-limits`, keys.limits, limitsBody)],
    ];
    for (const [, res] of replays) {
      expectError(res, 410, 'gone');
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      for (const value of Object.values(erased.markers)) expect(res.text).not.toContain(coreOf(value).toString());
    }
    const stored = await db.query<{ erased: boolean; body: unknown; headers: unknown; fingerprint: Buffer }>(
      'SELECT erased_at IS NOT NULL AS erased, body, headers, fingerprint FROM idempotency_keys WHERE platform_id = $1 AND key = ANY($2)',
      [platform.id, Object.values(keys)],
    );
    expect(stored).toHaveLength(5);
    for (const row of stored) expect({ ...row, fingerprint: row.fingerprint.length }).toEqual({ erased: true, body: null, headers: null, fingerprint: 0 });
    expect((await get('/end-users', { external_id: erased.markers.ext })).body.total).toBe(0);
  });

  it("finds none of the markers, nor the erased user's data key, in the API's and the worker's logs", async () => {
    // Stopped first, so every line either wrote is in its file.
    await api!.stop();
    await worker!.stop();
    const logs = { api: api!.log().toString('utf8'), worker: worker!.log().toString('utf8') };
    const hits = [...scanText('api log', logs.api, needles), ...scanText('worker log', logs.worker, needles)];
    summary.logs = {
      apiBytes: Buffer.byteLength(logs.api),
      apiLines: logs.api.split('\n').length - 1,
      workerBytes: Buffer.byteLength(logs.worker),
      workerLines: logs.worker.split('\n').length - 1,
      hits: describeHits(hits),
    };
    console.log(`logs: api ${Buffer.byteLength(logs.api)} bytes, worker ${Buffer.byteLength(logs.worker)} bytes, hits ${hits.length}`);
    // The logs are real: the API logged the requests about the erased user, the worker (at debug) each event it handled.
    expect(logs.api).toContain(`/end-users/${subjects.erased.id}/mcp-connections`);
    for (const s of Object.values(subjects)) expect(logs.worker).toContain(`applied end_user.created ${s.history[0].event_id}`);
    expect(logs.worker).toContain(`applied end_user.deleted ${erasedDeletedEventId}`);
    expect(describeHits(hits)).toEqual([]);
  });
});
