import { Database } from '@app/persistence';
import fs from 'node:fs';
import { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request, { Response } from 'supertest';
import { bearer, RunningApi, startApi } from '../support/api';
import { PlatformClient, uniqueId } from '../support/contract';
import { createTestPlatform, openTestDatabase, TestPlatform } from '../support/database';
import { changedTables, deepArrays, storeHeads, tenantFingerprint } from '../support/fuzz';
import { hashFields, KeyRing, RAW_KEY } from '../support/key-material';
import { documentedRoutes, DocumentedRoute, fillPath, HttpMethod, routeLabel } from '../support/openapi-routes';
import { eventually, killHard, spawnApp } from '../support/worker';

/**
 * Two tenants, A and B, each with end users, keys, an auto-budget, a rate-limit override and an
 * MCP connection; every route of docs/openapi.json is called across the tenant boundary with
 * every kind of key. Then every response this file received is scanned for key material, and the
 * API, run as its own process at LOG_LEVEL=debug, is shown to log none.
 */

const ROUTES = documentedRoutes();
jest.setTimeout(120_000);

interface Collected {
  label: string;
  res: Response;
  /** The raw key this response issued (a create's api_key.raw_key), the only raw key it may hold. */
  issued: string | null;
}

const collected: Collected[] = [];
const ring = new KeyRing();

/** Keeps the response for the final scan; a create response's raw key joins the ring. */
function keep(label: string, res: Response): Response {
  const issued: string | null = typeof res.body?.api_key?.raw_key === 'string' ? res.body.api_key.raw_key : null;
  collected.push({ label, res, issued });
  ring.add(issued);
  return res;
}

interface Tenant {
  name: 'A' | 'B';
  platform: TestPlatform;
  client: PlatformClient;
  user: { id: string; externalId: string; key: string; budgetId: string };
  /** The user's key from a repeat create (a second live key). */
  repeatKey: string;
  connectionId: string;
  limits: { rpm_limit: number; tpm_limit: number; rpd_limit: number };
}

/** What the worker does for a create with a budget (same budget id, opening ledger row); a no-op when the worker already did it. */
async function provisionAnnouncedBudget(db: Database, created: Record<string, any>): Promise<void> {
  const [event] = await db.query("SELECT event_id FROM events WHERE stream_id = $1 AND event_type = 'EndUserCreated'", [`end_user-${created.id}`]);
  const budget = created.budget;
  await db.query(
    `WITH budget AS (
       INSERT INTO budgets (id, platform_id, end_user_id, max_usd, used_usd, period, period_start, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 0, 'monthly', $5, $6, $6) ON CONFLICT DO NOTHING RETURNING id)
     INSERT INTO budget_ledger (id, budget_id, end_user_id, platform_id, type, amount_usd, max_usd_after, used_usd_after, remaining_usd_after, reason, created_at, source_event_id)
     SELECT $7, budget.id, $3, $2, 'opening', $4, $4, 0, $4, 'auto_budget', $6, $8 FROM budget ON CONFLICT DO NOTHING`,
    [budget.id, created.platform_id, created.id, budget.max_usd, budget.period_start, created.created_at, randomUUID(), event.event_id],
  );
}

async function makeTenant(api: RunningApi, db: Database, name: 'A' | 'B', budgetUsd: number, limits: Tenant['limits'], app: string): Promise<Tenant> {
  const platform = await createTestPlatform(db, { default_budget_usd: budgetUsd }, `Tenant ${name}`);
  ring.add(platform.key);
  const client = new PlatformClient(api.server, platform);
  const externalId = uniqueId(`tenant-${name}`);
  const created = keep(`${name}: create`, await client.create({ external_id: externalId, display_name: `User of ${name}`, metadata: { tenant: name } }));
  expect(created.status).toBe(201);
  const repeat = keep(`${name}: repeat create`, await client.create({ external_id: externalId }));
  expect(repeat.status).toBe(200);
  await provisionAnnouncedBudget(db, created.body);
  const base = `${client.base}/end-users/${created.body.id}`;
  expect(keep(`${name}: put limits`, await request(api.server).put(`${base}/rate-limits`).set(bearer(platform.key)).send(limits)).status).toBe(200);
  const connection = keep(
    `${name}: connect`,
    await request(api.server)
      .post(`${base}/mcp-connections`)
      .set(bearer(platform.key))
      .send({ app, credentials: { token: `tok-${name}` } }),
  );
  expect(connection.status).toBe(201);
  return {
    name,
    platform,
    client,
    user: { id: created.body.id, externalId, key: created.body.api_key.raw_key, budgetId: created.body.budget.id },
    repeatKey: repeat.body.api_key.raw_key,
    connectionId: connection.body.id,
    limits,
  };
}

/** A valid body for each documented body, so tenancy is the only reason to refuse the request. */
const VALID_BODIES: Record<string, () => object> = {
  createEndUser: () => ({ external_id: uniqueId('matrix') }),
  updateEndUser: () => ({ display_name: 'changed by the matrix' }),
  updatePlatform: () => ({ name: 'renamed by the matrix' }),
  putRateLimits: () => ({ rpm_limit: 7 }),
  createMcpConnection: () => ({ app: `matrix-${randomBytes(3).toString('hex')}` }),
};

function bodyFor(route: DocumentedRoute): object | undefined {
  if (!route.body) return undefined;
  const make = VALID_BODIES[route.operationId];
  if (!make) throw new Error(`the tenant matrix has no valid body for ${route.operationId}: add one to VALID_BODIES`);
  return make();
}

function send(api: RunningApi, route: DocumentedRoute, url: string, key: string | null, body?: object, method: HttpMethod = route.method): Promise<Response> {
  let req = request(api.server)[method](url);
  if (key) req = req.set(bearer(key));
  return body === undefined ? req : req.send(body);
}

/** The identifiers of a tenant's data, none of which may show up in another tenant's answers. */
const idsOf = (t: Tenant) => [t.platform.id, t.user.id, t.user.externalId, t.connectionId, t.user.budgetId, `User of ${t.name}`];

describe('tenant matrix over every documented route', () => {
  let api: RunningApi;
  let db: Database;
  let a: Tenant;
  let b: Tenant;
  let bBefore: Record<string, string>;
  let since: Awaited<ReturnType<typeof storeHeads>>;
  const bScope = () => ({ platformId: b.platform.id, platformKeyId: b.platform.keyId, excludedEndUserIds: [], since });

  beforeAll(async () => {
    api = await startApi();
    db = await openTestDatabase();
    since = await storeHeads(db);
    a = await makeTenant(api, db, 'A', 10, { rpm_limit: 11, tpm_limit: 1100, rpd_limit: 110 }, 'github');
    b = await makeTenant(api, db, 'B', 20, { rpm_limit: 22, tpm_limit: 2200, rpd_limit: 220 }, 'slack');
    bBefore = await tenantFingerprint(db, bScope());
  });

  afterAll(async () => {
    await api?.close();
    await db?.close();
  });

  const paths = (route: DocumentedRoute, ids: { platformId: string; endUserId: string; connectionId: string }) => fillPath(route, ids);
  const own = (t: Tenant) => ({ platformId: t.platform.id, endUserId: t.user.id, connectionId: t.connectionId });

  function check(problems: string[], label: string, res: Response, expected: number, code: string): void {
    keep(label, res);
    if (res.status !== expected || res.body?.error?.code !== code)
      problems.push(`${label}: expected ${expected} ${code}, got ${res.status} ${res.text.slice(0, 200)}`);
  }

  /** A path of the route that holds resources of `t` that are safe to delete (a fresh user, its override, a new connection). */
  async function disposablePath(route: DocumentedRoute, t: Tenant): Promise<string> {
    const user = keep(`${t.name}: disposable user`, await t.client.create({ external_id: uniqueId('disposable') }));
    const base = `${t.client.base}/end-users/${user.body.id}`;
    keep(`${t.name}: disposable limits`, await request(api.server).put(`${base}/rate-limits`).set(bearer(t.platform.key)).send({ rpm_limit: 1 }));
    const connection = keep(
      `${t.name}: disposable connection`,
      await request(api.server).post(`${base}/mcp-connections`).set(bearer(t.platform.key)).send({ app: 'disposable' }),
    );
    return paths(route, { platformId: t.platform.id, endUserId: user.body.id, connectionId: connection.body.id });
  }

  const managementRoutes = ROUTES.filter((route) => route.security === 'platformKey');
  const selfServiceRoutes = ROUTES.filter((route) => route.security === 'endUserKey');
  const openRoutes = ROUTES.filter((route) => route.security === null);

  it('knows every route of the document and which key each takes', () => {
    expect(managementRoutes.length + selfServiceRoutes.length + openRoutes.length).toBe(ROUTES.length);
    expect(managementRoutes.length).toBeGreaterThanOrEqual(16);
    expect(selfServiceRoutes.map(routeLabel).sort()).toEqual(['GET /v1/me', 'GET /v1/me/budget', 'GET /v1/me/rate-limits']);
    for (const route of managementRoutes) expect(route.pathParams[0]).toBe('platformId');
  });

  describe.each(managementRoutes.map((route) => [routeLabel(route), route] as const))('%s', (_label, route) => {
    it("refuses A's key on B's path (403), B's ids under A's path (404, as a missing id) and end-user keys (403)", async () => {
      const problems: string[] = [];
      // A platform key on the other platform's path: 403, both ways.
      check(problems, `A key on B path`, await send(api, route, paths(route, own(b)), a.platform.key, bodyFor(route)), 403, 'forbidden');
      check(problems, `B key on A path`, await send(api, route, paths(route, own(a)), b.platform.key, bodyFor(route)), 403, 'forbidden');

      // End-user keys on a management route: 403, on the own platform's path and on the other's.
      for (const [who, key] of [
        ['A user key', a.user.key],
        ["A user's repeat key", a.repeatKey],
        ['B user key', b.user.key],
      ] as const) {
        check(problems, `${who} on A path`, await send(api, route, paths(route, own(a)), key, bodyFor(route)), 403, 'forbidden');
        check(problems, `${who} on B path`, await send(api, route, paths(route, own(b)), key, bodyFor(route)), 403, 'forbidden');
      }

      // B's end user / connection under A's own path: 404, exactly as an id that does not exist.
      const foreignIds: [string, { platformId: string; endUserId: string; connectionId: string }][] = [];
      if (route.pathParams.includes('endUserId')) foreignIds.push(["B's user", { ...own(a), endUserId: b.user.id, connectionId: b.connectionId }]);
      if (route.pathParams.includes('connectionId')) foreignIds.push(["A's user, B's connection", { ...own(a), connectionId: b.connectionId }]);
      // Reads take their query too: the history as of now, the last page.
      const queries = [
        '',
        ...(route.queryParams.some((param) => param.name === 'as_of') ? [`?as_of=${encodeURIComponent(new Date().toISOString())}`] : []),
        ...(route.queryParams.some((param) => param.name === 'page') ? ['?page=1&limit=100'] : []),
      ];
      for (const [what, ids] of foreignIds) {
        for (const query of queries) {
          const foreign = keep(`A path, ${what}${query}`, await send(api, route, `${paths(route, ids)}${query}`, a.platform.key, bodyFor(route)));
          const missingIds = { ...ids, endUserId: ids.endUserId === b.user.id ? randomUUID() : ids.endUserId, connectionId: randomUUID() };
          const missing = keep(`A path, missing ids${query}`, await send(api, route, `${paths(route, missingIds)}${query}`, a.platform.key, bodyFor(route)));
          check(problems, `A path, ${what}${query}`, foreign, 404, 'not_found');
          if (foreign.body?.error?.message !== missing.body?.error?.message || missing.status !== 404) {
            problems.push(
              `A path, ${what}${query}: answered ${JSON.stringify(foreign.body?.error?.message)}, a missing id ${missing.status} ${JSON.stringify(missing.body?.error?.message)}`,
            );
          }
          for (const id of idsOf(b)) if (foreign.text.includes(id)) problems.push(`A path, ${what}${query}: the 404 names B's ${id}`);
        }
      }

      // B's external_id as a filter under A's path finds nothing.
      if (route.queryParams.some((param) => param.name === 'external_id')) {
        const filtered = keep(
          'A path, ?external_id of B',
          await send(api, route, `${paths(route, own(a))}?external_id=${encodeURIComponent(b.user.externalId)}`, a.platform.key),
        );
        if (filtered.status !== 200 || filtered.body.total !== 0)
          problems.push(`A path, ?external_id of B: expected 200 with total 0, got ${filtered.status} ${filtered.text.slice(0, 200)}`);
      }

      // The positive control: A's key on A's own path works (writes on fresh resources of A), so the refusals above mean something.
      const target = route.method === 'get' ? paths(route, own(a)) : await disposablePath(route, a);
      const mine = keep(`A key on A path`, await send(api, route, target, a.platform.key, bodyFor(route)));
      if (mine.status < 200 || mine.status >= 300) problems.push(`A key on A path: expected 2xx, got ${mine.status} ${mine.text.slice(0, 200)}`);
      for (const id of idsOf(b)) if (mine.text.includes(id)) problems.push(`A key on A path: the answer names B's ${id}`);

      expect(problems).toEqual([]);
    });
  });

  describe.each(selfServiceRoutes.map((route) => [routeLabel(route), route] as const))('%s', (_label, route) => {
    it("refuses platform keys (403) and shows an end user's key only its own data", async () => {
      const problems: string[] = [];
      check(problems, 'A platform key', await send(api, route, route.path, a.platform.key), 403, 'forbidden');
      check(problems, 'B platform key', await send(api, route, route.path, b.platform.key), 403, 'forbidden');
      for (const [t, other] of [
        [a, b],
        [b, a],
      ] as const) {
        for (const key of [t.user.key, t.repeatKey]) {
          const res = keep(`${t.name} user key`, await send(api, route, route.path, key));
          if (res.status !== 200) {
            problems.push(`${t.name} user key: expected 200, got ${res.status} ${res.text.slice(0, 200)}`);
            continue;
          }
          const expected: Record<string, unknown> =
            route.path === '/v1/me'
              ? { id: t.user.id, platform_id: t.platform.id, external_id: t.user.externalId }
              : route.path === '/v1/me/budget'
                ? { id: t.user.budgetId, end_user_id: t.user.id, platform_id: t.platform.id }
                : { ...t.limits, resolution: 'explicit' };
          const actual = Object.fromEntries(Object.keys(expected).map((field) => [field, res.body[field]]));
          if (JSON.stringify(actual) !== JSON.stringify(expected))
            problems.push(`${t.name} user key: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
          for (const id of idsOf(other)) if (res.text.includes(id)) problems.push(`${t.name} user key: the answer names ${other.name}'s ${id}`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe.each(openRoutes.map((route) => [routeLabel(route), route] as const))('%s', (_label, route) => {
    it('needs no key and shows no tenant data, whatever key is sent', async () => {
      const problems: string[] = [];
      for (const [who, key] of [
        ['no key', null],
        ['A platform key', a.platform.key],
        ['B user key', b.user.key],
      ] as const) {
        const res = keep(`${who} on ${route.path}`, await send(api, route, route.path, key));
        const readinessDown = route.operationId === 'healthReady' && res.status === 503;
        if (res.status !== 200 && !readinessDown) problems.push(`${who}: expected 200, got ${res.status}`);
        for (const id of [...idsOf(a), ...idsOf(b)]) if (res.text.includes(id)) problems.push(`${who}: the answer names tenant data ${id}`);
      }
      expect(problems).toEqual([]);
    });
  });

  describe('afterwards', () => {
    it("every row of B is as it was (B's events, users, keys, outbox, idempotency keys, limits, connections, platform)", async () => {
      const after = await tenantFingerprint(db, bScope());
      expect(changedTables(bBefore, after)).toEqual([]);
    });
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the API as its own process at LOG_LEVEL=debug', () => {
  let db: Database;
  let child: ChildProcess;
  let base: string;
  let logFile: string;
  let platform: TestPlatform;
  let foreign: TestPlatform;

  const logLines = () =>
    fs.existsSync(logFile)
      ? fs
          .readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((line) => line.length > 0)
      : [];
  const call = (label: string, req: request.Test) => req.then((res) => keep(`child: ${label}`, res));

  /** Every log line holding a raw key, a known key's random part, or a known key's hash (hex or base64). */
  function leaksIn(lines: string[]): string[] {
    return lines.flatMap((line, index) => {
      const found: string[] = [];
      if (line.match(RAW_KEY)) found.push('a raw key');
      const hash = ring.hashIn(line);
      if (hash) found.push(`the SHA-256 (${hash.form}) of ${hash.key}`);
      const secret = ring.secretIn(line);
      if (secret) found.push(`the random part of ${secret}`);
      return found.length > 0 ? [`line ${index + 1} holds ${found.join(', ')}: ${line.replace(RAW_KEY, (k) => `${k.slice(0, 12)}…`).slice(0, 300)}`] : [];
    });
  }

  /** Logs are written as requests finish; give the last lines a moment. */
  const settledLog = async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return logLines();
  };

  beforeAll(async () => {
    db = await openTestDatabase();
    platform = await createTestPlatform(db, { default_budget_usd: 3 }, 'Log tenant');
    foreign = await createTestPlatform(db, {}, 'Log foreign tenant');
    ring.add(platform.key, foreign.key);
    const port = await freePort();
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'end-users-api-log-'));
    // spawnApp keeps a child's output in TEST_CHILD_LOG_DIR/<app>-<pid>.log when the variable is set.
    const previous = process.env.TEST_CHILD_LOG_DIR;
    process.env.TEST_CHILD_LOG_DIR = logDir;
    try {
      child = spawnApp('api', { PORT: String(port), LOG_LEVEL: 'debug' });
    } finally {
      if (previous === undefined) delete process.env.TEST_CHILD_LOG_DIR;
      else process.env.TEST_CHILD_LOG_DIR = previous;
    }
    logFile = path.join(logDir, `api-${child.pid}.log`);
    base = `http://127.0.0.1:${port}`;
    await eventually(async () => ((await request(base).get('/health/live')).status === 200 ? true : undefined), 30_000, 100);
  });

  afterAll(async () => {
    if (child) await killHard(child);
    await db?.close();
  });

  it('logs no raw key and no key hash while serving creates, repeats, reads and errors with keys', async () => {
    const p = `/v1/platforms/${platform.id}`;
    const asPlatform = bearer(platform.key);
    const externalId = uniqueId('log');
    const first = await call(
      'create',
      request(base)
        .post(`${p}/end-users`)
        .set(asPlatform)
        .send({ external_id: externalId, display_name: 'Logged', metadata: { plan: 'pro' } }),
    );
    expect(first.status).toBe(201);
    const repeat = await call('repeat', request(base).post(`${p}/end-users`).set(asPlatform).send({ external_id: externalId }));
    expect(repeat.status).toBe(200);
    const second = await call(
      'create 2',
      request(base)
        .post(`${p}/end-users`)
        .set(asPlatform)
        .set('Idempotency-Key', `log-${randomUUID()}`)
        .send({ external_id: uniqueId('log') }),
    );
    expect(second.status).toBe(201);
    const userKey: string = first.body.api_key.raw_key;
    const secondKey: string = second.body.api_key.raw_key;
    const unknownKey = `sk-eu_${randomBytes(32).toString('hex')}`;
    const unknownPlatformKey = `sk-plat_${randomBytes(32).toString('hex')}`;
    ring.add(unknownKey, unknownPlatformKey);
    const user = `${p}/end-users/${first.body.id}`;

    const exchanges: [string, request.Test][] = [
      ['list', request(base).get(`${p}/end-users`).set(asPlatform)],
      ['get', request(base).get(user).set(asPlatform)],
      ['history', request(base).get(`${user}/events`).set(asPlatform)],
      ['patch', request(base).patch(user).set(asPlatform).set('If-Match', '"2"').send({ display_name: 'Logged 2' })],
      ['stale patch', request(base).patch(user).set(asPlatform).set('If-Match', '"1"').send({ display_name: 'Logged 3' })],
      ['limits', request(base).put(`${user}/rate-limits`).set(asPlatform).set('Idempotency-Key', `log-${randomUUID()}`).send({ rpm_limit: 5 })],
      [
        'connect',
        request(base)
          .post(`${user}/mcp-connections`)
          .set(asPlatform)
          .send({ app: 'github', credentials: { token: 'ghp_not_a_platform_key' } }),
      ],
      ['me', request(base).get('/v1/me').set(bearer(userKey))],
      ['my budget', request(base).get('/v1/me/budget').set(bearer(secondKey))],
      ['my limits', request(base).get('/v1/me/rate-limits').set(bearer(userKey))],
      // Refused keys: unknown, malformed, of the wrong kind, of another platform.
      ['unknown end-user key', request(base).get('/v1/me').set(bearer(unknownKey))],
      ['unknown platform key', request(base).get(`${p}/end-users`).set(bearer(unknownPlatformKey))],
      ['uppercased key', request(base).get(`${p}/end-users`).set(bearer(platform.key.toUpperCase()))],
      ['key without scheme', request(base).get(`${p}/end-users`).set('Authorization', platform.key)],
      ['key as X-Api-Key', request(base).get(`${p}/end-users`).set('X-Api-Key', platform.key)],
      ['end-user key on management', request(base).get(`${p}/end-users`).set(bearer(userKey))],
      ['platform key on /v1/me', request(base).get('/v1/me').set(asPlatform)],
      ["another platform's key", request(base).get(`${p}/end-users`).set(bearer(foreign.key))],
      // Keys where they do not belong, in refused requests (nothing is stored).
      [
        'key in an over-long external_id',
        request(base)
          .post(`${p}/end-users`)
          .set(asPlatform)
          .send({ external_id: `${userKey}${'x'.repeat(250)}` }),
      ],
      [
        'key in an unknown field',
        request(base)
          .post(`${p}/end-users`)
          .set(asPlatform)
          .send({ external_id: uniqueId('log'), api_key: userKey }),
      ],
      ['key as a wrong type', request(base).patch(user).set(asPlatform).send({ is_active: userKey })],
      ['key in a query filter', request(base).get(`${p}/end-users?external_id=${userKey}&limit=${platform.key}`).set(asPlatform)],
      [
        'key in malformed JSON',
        request(base).post(`${p}/end-users`).set(asPlatform).set('Content-Type', 'application/json').send(`{"external_id": "${userKey}`),
      ],
      ['key in a text body', request(base).post(`${p}/end-users`).set(asPlatform).set('Content-Type', 'text/plain').send(userKey)],
      [
        'key in an over-limit body',
        request(base)
          .post(`${p}/end-users`)
          .set(asPlatform)
          .send({ external_id: 'x', metadata: { blob: userKey.repeat(1_000) } }),
      ],
      // (malformed, so it is refused before anything is stored under it)
      ['key in an Idempotency-Key', request(base).post(`${p}/end-users`).set(asPlatform).set('Idempotency-Key', `é${userKey}`).send({ external_id: '' })],
      // Failures that reach the error log (a 500 today): the request's key material must not follow.
      [
        'deep body with Idempotency-Key',
        request(base)
          .post(`${p}/end-users`)
          .set(asPlatform)
          .set('Idempotency-Key', `log-${randomUUID()}`)
          .set('Content-Type', 'application/json')
          .send(deepArrays().text),
      ],
      [
        'bad gzip body',
        request(base)
          .post(`${p}/end-users`)
          .set(asPlatform)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', 'gzip')
          .send(JSON.stringify({ external_id: userKey })),
      ],
    ];
    for (const [label, req] of exchanges) await call(label, req);

    // A deleted user's keys stop working (401), and that refusal logs nothing either.
    const deleteUser = `${p}/end-users/${second.body.id}`;
    expect((await call('delete', request(base).delete(deleteUser).set(asPlatform))).status).toBe(204);
    expect((await call("deleted user's key", request(base).get('/v1/me').set(bearer(secondKey)))).status).toBe(401);

    const lines = await settledLog();
    // The capture works: the log has a line for the requests above (by their request ids).
    // (Requests the body parser refuses, 400 malformed JSON, 413 and 415, get no log line at all.)
    const requestIds = collected.filter((c) => c.label.startsWith('child: ')).map((c) => c.res.headers['x-request-id']);
    expect(requestIds.filter((id) => lines.some((line) => line.includes(id))).length).toBeGreaterThanOrEqual(requestIds.length - 3);
    expect({ log: logFile, leaks: leaksIn(lines) }).toEqual({ log: logFile, leaks: [] });
  });

  it('a key pasted into a path segment stays out of the log', async () => {
    const key = `sk-plat_${randomBytes(32).toString('hex')}`;
    ring.add(key);
    const asPlatform = bearer(platform.key);
    await call('key as platformId', request(base).get(`/v1/platforms/${key}/end-users`).set(asPlatform));
    await call('key as endUserId', request(base).get(`/v1/platforms/${platform.id}/end-users/${key}`).set(asPlatform));
    expect({ log: logFile, leaks: leaksIn((await settledLog()).filter((line) => line.includes(key.slice(-16)))) }).toEqual({ log: logFile, leaks: [] });
  });

  it('a key sent as X-Request-Id is not adopted as the request id, so it reaches neither the response headers nor the log', async () => {
    // Only reads: a write would carry the request id into events.metadata and the outbox headers.
    const key = `sk-plat_${randomBytes(32).toString('hex')}`;
    ring.add(key);
    // Not kept for the final scan: the echoed header is this test's finding, not that one's.
    const res = await request(base).get(`/v1/platforms/${platform.id}/end-users`).set(bearer(platform.key)).set('X-Request-Id', key);
    expect(res.headers['x-request-id']).not.toBe(key);
    expect({ log: logFile, leaks: leaksIn((await settledLog()).filter((line) => line.includes(key.slice(-16)))) }).toEqual({ log: logFile, leaks: [] });
  });
});

describe('key material in the responses of this file', () => {
  it('no response holds a hash field, the SHA-256 of a known key, or a raw key other than the one its create issued', () => {
    expect(collected.length).toBeGreaterThan(100);
    console.log(`key-material scan: ${collected.length} responses (${collected.filter((c) => c.issued).length} of them issued a key)`);
    const problems: string[] = [];
    for (const { label, res, issued } of collected) {
      const text = `${res.text ?? ''}\n${JSON.stringify(res.headers)}`;
      const fields = hashFields(res.body);
      if (fields.length > 0) problems.push(`${label}: hash fields ${fields.join(', ')}`);
      if (/key_hash/i.test(text)) problems.push(`${label}: mentions key_hash`);
      const hash = ring.hashIn(text);
      if (hash) problems.push(`${label}: holds the SHA-256 (${hash.form}) of ${hash.key}`);
      const secret = ring.secretIn(text);
      if (secret) problems.push(`${label}: holds the random part of ${secret} without its prefix`);
      const raws: string[] = text.match(RAW_KEY) ?? [];
      // A create response names its new key once in the body (api_key.raw_key); the headers never do.
      const allowed = issued && res.body?.api_key?.raw_key === issued ? [issued] : [];
      const unexpected = raws.filter((raw, index) => !(allowed.includes(raw) && raws.indexOf(raw) === index));
      if (unexpected.length > 0) problems.push(`${label}: holds raw keys ${unexpected.map((raw) => `${raw.slice(0, 12)}…`).join(', ')}`);
    }
    // Each issued key was shown by exactly one response: the create that issued it.
    const issuers = new Map<string, number>();
    for (const { issued } of collected) if (issued) issuers.set(issued, (issuers.get(issued) ?? 0) + 1);
    for (const [key, times] of issuers) if (times !== 1) problems.push(`${key.slice(0, 12)}… was returned by ${times} responses`);
    expect(problems).toEqual([]);
  });
});
