import { Database } from '@app/persistence';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import request, { Response } from 'supertest';
import { RunningApi, startApi } from '../support/api';
import { PlatformClient, uniqueId } from '../support/contract';
import { createTestPlatform, openTestDatabase, TestPlatform } from '../support/database';
import {
  authGarbageArb,
  bodyGarbageArb,
  changedTables,
  deepArrays,
  deepObjects,
  envelopeProblems,
  JsonEntries,
  jsonText,
  KIB,
  padTo,
  PATH_GARBAGE,
  queryGarbageArb,
  RawJson,
  storeHeads,
  tenantFingerprint,
  validObjectArb,
} from '../support/fuzz';
import { documentedRoutes, DocumentedRoute, fillPath, HttpMethod, routeLabel } from '../support/openapi-routes';

/**
 * Fuzzes every documented route and method with generated garbage (fast-check, from the request
 * schemas in docs/openapi.json) and checks for each request: no 5xx; every non-2xx answer is the
 * one error envelope with request_id = X-Request-Id; a refused request (and any GET) changes no
 * row of either tenant. Each case is wrong in one aspect (key, path, query, body, content type,
 * headers or method) and right in the others, so it reaches the layer that must refuse it.
 *
 * Inputs that currently hit known bugs are pinned by the named regression tests at the end rather
 * than drawn at random (a well-formed Idempotency-Key with a deeply nested body; a gzip, deflate or
 * br Content-Encoding over a body that is not compressed; requests Node's HTTP parser refuses, such as
 * heads over 16 KiB), so each bug fails one test, named for it. FUZZ_SEED=<n> replays a run; FUZZ_RUNS=<n> sets cases per route;
 * FUZZ_VERBOSE=1 prints every request and its answer.
 */

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 12);
const VERBOSE = process.env.FUZZ_VERBOSE === '1';
const ROUTES = documentedRoutes();
const ALL_METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

jest.setTimeout(120_000);

interface World {
  api: RunningApi;
  db: Database;
  own: TestPlatform;
  foreign: TestPlatform;
  ownClient: PlatformClient;
  user: { id: string; key: string };
  connectionId: string;
  foreignUserId: string;
  foreignConnectionId: string;
  /** Users a fuzzed DELETE may really delete; their rows are left out of the fingerprint (the worker's cascade removes them later). */
  sacrificed: string[];
  since: Awaited<ReturnType<typeof storeHeads>>;
}

/** A request as generated: `OWN` path values are resolved when it is sent. */
interface FuzzCase {
  aspect: string;
  label: string;
  method: HttpMethod;
  pathValues: Record<string, string>;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: string | Buffer | undefined;
}

const OWN = '<own>';
const requestsSent = new Map<string, number>();
const count = (label: string) => requestsSent.set(label, (requestsSent.get(label) ?? 0) + 1);

function keysFor(route: DocumentedRoute, w: World) {
  return route.security === 'endUserKey'
    ? { valid: w.user.key, otherKind: w.own.key, foreignPlatform: w.foreign.key }
    : { valid: w.own.key, otherKind: w.user.key, foreignPlatform: w.foreign.key };
}

/** The request with every part right (the body valid for the schema, or none). */
function validCaseArb(route: DocumentedRoute, w: World): fc.Arbitrary<FuzzCase> {
  const body = route.body ? validObjectArb(route.body).map((value) => jsonText(value)) : fc.constant(undefined);
  return body.map((text) => ({
    aspect: 'valid',
    label: 'valid',
    method: route.method,
    pathValues: Object.fromEntries(route.pathParams.map((name) => [name, OWN])),
    query: '',
    headers: {
      Authorization: route.security ? `Bearer ${keysFor(route, w).valid}` : undefined,
      'Content-Type': text === undefined ? undefined : 'application/json',
    },
    body: text,
  }));
}

/** One case per aspect the route has, each wrong in that aspect only. */
function caseArb(route: DocumentedRoute, w: World): fc.Arbitrary<FuzzCase> {
  const valid = validCaseArb(route, w);
  const with_ = (aspect: string, label: string, change: (c: FuzzCase) => Partial<FuzzCase>) => (c: FuzzCase) => ({ ...c, ...change(c), aspect, label });
  const aspects: fc.Arbitrary<FuzzCase>[] = [];
  if (route.security) {
    aspects.push(
      fc
        .tuple(valid, authGarbageArb(keysFor(route, w)))
        .map(([c, auth]) => with_('auth', auth.label, () => ({ headers: { ...c.headers, Authorization: auth.authorization } }))(c)),
    );
  }
  if (route.pathParams.length > 0) {
    const named: Record<string, (name: string, uuid: string) => string> = {
      foreign: (name) => ({ platformId: w.foreign.id, endUserId: w.foreignUserId, connectionId: w.foreignConnectionId })[name]!,
      'random uuid': (_name, uuid) => uuid,
      'nil uuid': () => '00000000-0000-0000-0000-000000000000',
      'max uuid': () => 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      'uppercase own': () => `${OWN}upper`,
    };
    const value = fc.oneof(fc.constantFrom(...PATH_GARBAGE), fc.constantFrom(...Object.keys(named)));
    aspects.push(
      fc.tuple(valid, fc.constantFrom(...route.pathParams), value, fc.uuid()).map(([c, name, v, uuid]) => {
        const resolved = named[v]?.(name, uuid) ?? v;
        return with_('path', `${name}=${v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v}`, () => ({ pathValues: { ...c.pathValues, [name]: resolved } }))(
          c,
        );
      }),
    );
  }
  aspects.push(fc.tuple(valid, queryGarbageArb(route.queryParams)).map(([c, q]) => with_('query', q.label, () => ({ query: q.query }))(c)));
  aspects.push(
    fc
      .tuple(valid, bodyGarbageArb(route.body))
      .map(([c, b]) => with_('body', b.label, () => ({ body: b.body, headers: { ...c.headers, 'Content-Type': 'application/json' } }))(c)),
  );
  aspects.push(
    fc
      .tuple(
        valid,
        fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          'application/json; charset=iso-8859-1',
          'application/xml',
          'application/json-patch+json',
          'application/merge-patch+json',
          'application/vnd.api+json',
          'APPLICATION/JSON',
          'application/json;;;',
          '*/*',
          'application/json, text/plain',
        ),
        fc.constantFrom(undefined, 'identity', 'compress', 'x-unknown', 'gzip, identity'),
        fc.constantFrom('json', 'form', 'text'),
      )
      .map(([c, contentType, encoding, kind]) =>
        with_('content-type', `Content-Type ${contentType}${encoding ? `, Content-Encoding ${encoding}` : ''}, ${kind} body`, () => ({
          headers: { ...c.headers, 'Content-Type': contentType, 'Content-Encoding': encoding },
          body: { json: c.body ?? '{"a":1}', form: 'external_id=x&display_name=y', text: 'hello' }[kind],
        }))(c),
      ),
  );
  aspects.push(
    fc
      .tuple(
        valid,
        fc.oneof(
          fc.constantFrom('', ' ', 'x'.repeat(256), 'é', 'a b', '\t').map((v) => ['Idempotency-Key', v] as const),
          fc.constantFrom('W/"0"', '"abc"', '"-1"', '"99999999999999999999"', '"1", "2"', '"', '1', '"01"', '*x').map((v) => ['If-Match', v] as const),
          fc.constantFrom('', 'a b', 'x'.repeat(200), '<script>', '../../etc', 'é').map((v) => ['X-Request-Id', v] as const),
          fc
            .constantFrom(
              'Accept: application/xml',
              'Accept: */*; q=0',
              'Accept-Charset: utf-16',
              'Origin: https://evil.example',
              'X-HTTP-Method-Override: DELETE',
              'X-Forwarded-For: ::1, 127.0.0.1',
            )
            .map((v) => v.split(': ') as [string, string]),
        ),
      )
      .map(([c, [name, value]]) => with_('headers', `${name}: ${JSON.stringify(value.slice(0, 24))}`, () => ({ headers: { ...c.headers, [name]: value } }))(c)),
  );
  const otherMethods = ALL_METHODS.filter((method) => !ROUTES.some((r) => r.path === route.path && r.method === method));
  if (otherMethods.length > 0) {
    aspects.push(
      fc
        .tuple(valid, fc.constantFrom(...otherMethods))
        .map(([c, method]) => with_('method', `undocumented method ${method.toUpperCase()}`, () => ({ method }))(c)),
    );
  }
  return fc.oneof(...aspects);
}

/** Cases every route gets whatever the draw: the brief's must-haves (body limits, 5,000 levels, raw JSON oddities, no key, bad ids, repeated params). */
function pinnedCases(route: DocumentedRoute, w: World): FuzzCase[] {
  const base = fc.sample(validCaseArb(route, w), { numRuns: 1, seed: SEED })[0];
  const cases: FuzzCase[] = [];
  const add = (aspect: string, label: string, change: Partial<FuzzCase>) =>
    cases.push({ ...base, ...change, aspect, label, headers: { ...base.headers, ...change.headers } });
  const json = { 'Content-Type': 'application/json' };
  const field = Object.keys(route.body?.properties ?? { anything: {} })[0];
  const validBody = base.body === undefined ? {} : JSON.parse(base.body.toString());
  add('body', 'body limit - 16 bytes', { headers: json, body: padTo(64 * KIB - 16, (f) => jsonText({ ...validBody, [field]: f })) });
  add('body', 'body limit + 1 byte', { headers: json, body: padTo(64 * KIB + 1, (f) => jsonText({ ...validBody, [field]: f })) });
  add('body', `body nested 5000 levels (raw)`, { headers: json, body: deepArrays().text });
  add('body', `${field} nested 5000 levels (raw objects)`, { headers: json, body: jsonText({ ...validBody, [field]: deepObjects() }) });
  add('body', `duplicate key ${field}`, { headers: json, body: jsonText(new JsonEntries([[field, 1], ...Object.entries(validBody), [field, []]])) });
  add('body', `${field}: raw NaN`, { headers: json, body: jsonText({ ...validBody, [field]: new RawJson('NaN') }) });
  add('body', `${field}: lone surrogate`, { headers: json, body: jsonText({ ...validBody, [field]: new RawJson('"\\ud800"') }) });
  if (route.security) add('auth', 'no Authorization', { headers: { Authorization: undefined } });
  if (route.pathParams.length > 0) {
    const name = route.pathParams[route.pathParams.length - 1];
    add('path', `${name}=..%2F..%2Fetc%2Fpasswd`, { pathValues: { ...base.pathValues, [name]: '..%2F..%2Fetc%2Fpasswd' } });
    add('path', `${name}=not-a-uuid%00`, { pathValues: { ...base.pathValues, [name]: 'not-a-uuid%00' } });
  }
  const param = route.queryParams[0]?.name ?? 'page';
  add('query', `repeated ${param}`, { query: `${param}=1&${param}=2` });
  return cases;
}

function resolvePath(route: DocumentedRoute, c: FuzzCase, w: World, sacrificial: string | null): string {
  const own: Record<string, string> = { platformId: w.own.id, endUserId: sacrificial ?? w.user.id, connectionId: w.connectionId };
  const values = Object.fromEntries(
    Object.entries(c.pathValues).map(([name, value]) => [name, value === OWN ? own[name] : value === `${OWN}upper` ? own[name].toUpperCase() : value]),
  );
  return fillPath(route, values) + (c.query ? `?${c.query}` : '');
}

function send(w: World, method: HttpMethod, url: string, headers: FuzzCase['headers'], body: string | Buffer | undefined): Promise<Response> {
  let req = request(w.api.server)[method](url);
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) req = req.set(name, value as string);
  return body === undefined ? req : req.send(body as string);
}

async function fingerprints(w: World) {
  const scope = (platform: TestPlatform, excluded: string[]) =>
    tenantFingerprint(w.db, { platformId: platform.id, platformKeyId: platform.keyId, excludedEndUserIds: excluded, since: w.since });
  const [own, foreign] = await Promise.all([scope(w.own, w.sacrificed), scope(w.foreign, [])]);
  return Object.fromEntries([...Object.entries(own).map(([k, v]) => [`own.${k}`, v]), ...Object.entries(foreign).map(([k, v]) => [`foreign.${k}`, v])]);
}

/** Waits until the rows stop changing (an accepted request's idempotency record completes after the response). */
async function settled(w: World): Promise<Record<string, string>> {
  let last = await fingerprints(w);
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const next = await fingerprints(w);
    if (changedTables(last, next).length === 0) return next;
    last = next;
  }
  return last;
}

interface Outcome {
  res: Response;
  problems: string[];
}

/** Sends one case and returns what is wrong with the answer. */
async function runCase(w: World, route: DocumentedRoute, c: FuzzCase, counted = routeLabel(route)): Promise<Outcome> {
  const deletesOwnUser = route.operationId === 'deleteEndUser' && c.method === 'delete' && [OWN, `${OWN}upper`].includes(c.pathValues.endUserId);
  let sacrificial: string | null = null;
  if (deletesOwnUser) {
    sacrificial = (await w.ownClient.createOk(uniqueId('sacrificial'))).id as string;
    w.sacrificed.push(sacrificial);
  }
  const url = resolvePath(route, c, w, sacrificial);
  const before = await fingerprints(w);
  const res = await send(w, c.method, url, c.headers, c.body);
  count(counted);
  const problems: string[] = [];
  const readinessDown = route.operationId === 'healthReady' && res.status === 503 && res.body?.status === 'error';
  if (res.status >= 500 && !readinessDown) problems.push(`status ${res.status}`);
  if (res.status >= 300 && res.status < 400) problems.push(`unexpected redirect ${res.status}`);
  if (res.status >= 400 && !readinessDown) problems.push(...envelopeProblems(res));
  if (res.status >= 300 || c.method === 'get') {
    const after = await fingerprints(w);
    const changed = changedTables(before, after);
    if (changed.length > 0) problems.push(`${res.status >= 300 ? 'refused request' : 'GET'} changed rows in ${changed.join(', ')}`);
  } else {
    await settled(w);
  }
  const describe = `${c.aspect}: ${c.label} — ${c.method.toUpperCase()} ${url.length > 160 ? `${url.slice(0, 160)}…` : url} → ${res.status} ${(res.text ?? '').slice(0, 160)}`;
  if (VERBOSE) console.log(describe);
  return { res, problems: problems.map((p) => `${describe}\n      ${p}`) };
}

describe(`HTTP fuzzer over every documented route (seed ${SEED})`, () => {
  const w = {} as World;

  beforeAll(async () => {
    w.api = await startApi();
    w.db = await openTestDatabase();
    w.since = await storeHeads(w.db);
    w.own = await createTestPlatform(w.db, {}, 'Fuzz platform');
    w.foreign = await createTestPlatform(w.db, { default_budget_usd: 5 }, 'Fuzz foreign platform');
    w.ownClient = new PlatformClient(w.api.server, w.own);
    const user = await w.ownClient.createOk(uniqueId('fuzz'), { display_name: 'Fuzz', metadata: { plan: 'pro' } });
    w.user = { id: user.id, key: user.api_key.raw_key };
    w.sacrificed = [];
    const base = `/v1/platforms/${w.own.id}/end-users/${user.id}`;
    expect((await request(w.api.server).put(`${base}/rate-limits`).set('Authorization', `Bearer ${w.own.key}`).send({ rpm_limit: 60 })).status).toBe(200);
    const connection = await request(w.api.server)
      .post(`${base}/mcp-connections`)
      .set('Authorization', `Bearer ${w.own.key}`)
      .send({ app: 'github', credentials: { token: 't' } });
    expect(connection.status).toBe(201);
    w.connectionId = connection.body.id;
    const foreignClient = new PlatformClient(w.api.server, w.foreign);
    const foreignUser = await foreignClient.createOk(uniqueId('foreign'));
    w.foreignUserId = foreignUser.id;
    const foreignConnection = await request(w.api.server)
      .post(`/v1/platforms/${w.foreign.id}/end-users/${foreignUser.id}/mcp-connections`)
      .set('Authorization', `Bearer ${w.foreign.key}`)
      .send({ app: 'slack' });
    w.foreignConnectionId = foreignConnection.body.id;
    await settled(w);
  });

  afterAll(async () => {
    const rows = [...requestsSent.entries()].sort(([a], [b]) => a.localeCompare(b));
    const total = rows.reduce((sum, [, n]) => sum + n, 0);
    console.log(`HTTP fuzzer (seed ${SEED}): ${total} requests\n${rows.map(([label, n]) => `  ${String(n).padStart(4)}  ${label}`).join('\n')}`);
    await w.api?.close();
    await w.db?.close();
  });

  it('covers every route of docs/openapi.json', () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(20);
    expect(ROUTES.map(routeLabel)).toEqual(expect.arrayContaining(['POST /v1/platforms/{platformId}/end-users', 'GET /v1/me', 'GET /health/ready']));
  });

  describe.each(ROUTES.map((route) => [routeLabel(route), route] as const))('%s', (_label, route) => {
    it('answers generated garbage with a 4xx in the envelope and changes no row', async () => {
      const generated = fc.sample(caseArb(route, w), { numRuns: RUNS_PER_ROUTE, seed: SEED + ROUTES.indexOf(route) });
      const problems: string[] = [];
      for (const c of [...pinnedCases(route, w), ...generated]) problems.push(...(await runCase(w, route, c)).problems);
      expect(problems).toEqual([]);
    });
  });

  describe('regressions found by fuzzing (each pins one bug)', () => {
    const mutating = ROUTES.filter((route) => route.method !== 'get');
    const byOperation = (operationId: string) => ROUTES.find((route) => route.operationId === operationId)!;

    it.each(mutating.map((route) => [routeLabel(route), route] as const))(
      'a body nested 5,000 levels with a well-formed Idempotency-Key is a 400, not a 500 (%s)',
      async (_label, route) => {
        const problems: string[] = [];
        for (const [label, body] of [
          ['raw arrays', deepArrays().text],
          ['raw objects in a field', jsonText({ [Object.keys(route.body?.properties ?? { metadata: {} })[0]]: deepObjects() })],
        ] as const) {
          const c: FuzzCase = {
            aspect: 'body+Idempotency-Key',
            label,
            method: route.method,
            pathValues: Object.fromEntries(route.pathParams.map((name) => [name, OWN])),
            query: '',
            headers: { Authorization: `Bearer ${w.own.key}`, 'Content-Type': 'application/json', 'Idempotency-Key': `deep-${randomUUID()}` },
            body,
          };
          const { res, problems: found } = await runCase(w, route, c);
          problems.push(...found);
          if (res.status !== 400) problems.push(`${label}: expected 400 validation_error, got ${res.status}`);
        }
        expect(problems).toEqual([]);
      },
    );

    it.each(['gzip', 'deflate', 'br'])('a body declared Content-Encoding: %s that is not compressed is a 4xx, not a 500', async (encoding) => {
      const problems: string[] = [];
      for (const operationId of ['createEndUser', 'listEndUsers', 'getMe']) {
        const route = byOperation(operationId);
        const c: FuzzCase = {
          aspect: 'content-encoding',
          label: encoding,
          method: route.method,
          pathValues: Object.fromEntries(route.pathParams.map((name) => [name, OWN])),
          query: '',
          headers: {
            Authorization: `Bearer ${route.security === 'endUserKey' ? w.user.key : w.own.key}`,
            'Content-Type': 'application/json',
            'Content-Encoding': encoding,
          },
          body: jsonText({ external_id: uniqueId('enc') }),
        };
        const { res, problems: found } = await runCase(w, route, c);
        problems.push(...found);
        if (res.status < 400 || res.status >= 500) problems.push(`${routeLabel(route)}: expected 400 or 415, got ${res.status}`);
      }
      expect(problems).toEqual([]);
    });

    it('a replayed 4xx (same Idempotency-Key) answers with the X-Request-Id its envelope names', async () => {
      const route = byOperation('createEndUser');
      const c: FuzzCase = {
        aspect: 'idempotent replay',
        label: 'invalid external_id, twice',
        method: 'post',
        pathValues: { platformId: OWN },
        query: '',
        headers: { Authorization: `Bearer ${w.own.key}`, 'Content-Type': 'application/json', 'Idempotency-Key': `replay-${randomUUID()}` },
        body: jsonText({ external_id: '' }),
      };
      const first = await send(w, 'post', resolvePath(route, c, w, null), c.headers, c.body);
      count(routeLabel(route));
      expect(first.status).toBe(400);
      expect(envelopeProblems(first)).toEqual([]);
      const replay = await send(w, 'post', resolvePath(route, c, w, null), c.headers, c.body);
      count(routeLabel(route));
      expect({ status: replay.status, replayed: replay.headers['idempotent-replayed'] }).toEqual({ status: 400, replayed: 'true' });
      expect(envelopeProblems(replay)).toEqual([]);
    });

    it.each([
      [
        'a query string over 16 KiB',
        (url: string) => ({ method: 'get' as const, url: `${url}?external_id=${'a'.repeat(17 * KIB)}`, headers: {}, body: undefined }),
      ],
      [
        'an Authorization header over 16 KiB',
        (url: string) => ({ method: 'get' as const, url, headers: { Authorization: `Bearer ${'a'.repeat(17 * KIB)}` }, body: undefined }),
      ],
      [
        'Content-Length and Transfer-Encoding together',
        (url: string) => ({
          method: 'post' as const,
          url,
          headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
          body: jsonText({ external_id: uniqueId('te') }),
        }),
      ],
    ] as const)("a request Node's HTTP parser refuses (%s) is still answered in the error envelope", async (_what, build) => {
      const { method, url, headers, body } = build(`/v1/platforms/${w.own.id}/end-users`);
      const before = await fingerprints(w);
      const res = await send(w, method, url, { Authorization: `Bearer ${w.own.key}`, ...headers }, body);
      count(routeLabel(byOperation(method === 'post' ? 'createEndUser' : 'listEndUsers')));
      expect(changedTables(before, await fingerprints(w))).toEqual([]);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(envelopeProblems(res)).toEqual([]);
    });
  });
});
