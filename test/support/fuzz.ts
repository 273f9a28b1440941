import { Database } from '@app/persistence';
import fc from 'fast-check';
import { Response } from 'supertest';
import { DocumentedParameter, JsonSchema } from './openapi-routes';

/**
 * Building blocks of the HTTP fuzzer: raw JSON text (lone surrogates, duplicate keys, NaN and other
 * things JSON.stringify cannot write), garbage generators driven by the OpenAPI request schemas,
 * the error-envelope check, and a fingerprint of every row a tenant owns.
 */

export const KIB = 1024;
/** The API's request body limit (libs/http json-body.ts). */
export const BODY_LIMIT = 64 * KIB;
export const DEEP_LEVELS = 5_000;

/** JSON text written as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written with these entries in this order, duplicate or special keys (__proto__) included. */
export class JsonEntries {
  constructor(readonly entries: [string, unknown][]) {}
}

export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonEntries) return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') return jsonText(new JsonEntries(Object.entries(value)));
  return JSON.stringify(value) ?? 'null';
}

export const deepArrays = (levels = DEEP_LEVELS) => new RawJson(`${'['.repeat(levels)}${']'.repeat(levels)}`);
export const deepObjects = (levels = DEEP_LEVELS) => new RawJson(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

/** Strings at the edges of Unicode, as JSON text (so lone surrogates and NUL travel as escapes). */
export const UNICODE_EDGES: { label: string; json: string }[] = [
  { label: 'NUL', json: '"a\\u0000b"' },
  { label: 'lone high surrogate', json: '"\\ud800"' },
  { label: 'lone low surrogate', json: '"x\\udfffy"' },
  { label: 'reversed surrogate pair', json: '"\\udc00\\ud800"' },
  { label: 'RTL override', json: JSON.stringify('\u202Eresu-live\u202C') },
  { label: 'RTL and LTR marks', json: JSON.stringify('\u200F\u200E\u061C') },
  { label: 'emoji ZWJ sequence', json: JSON.stringify('👩‍👩‍👧‍👦🙂') },
  { label: 'combining marks', json: JSON.stringify(`e${'\u0301'.repeat(60)}`) },
  { label: 'BOM and noncharacters', json: '"\\ufeff\\uffff\\ufffe"' },
  { label: 'line and paragraph separators', json: JSON.stringify('a\u2028b\u2029c\u0085') },
  { label: 'C0 and C1 controls', json: '"\\u0001\\u001f\\u007f\\u0080\\u009f"' },
  { label: 'highest code point', json: JSON.stringify('\u{10FFFF}') },
];

/** Number literals at the edges, and the ones JSON has no literal for (raw NaN, Infinity: malformed JSON). */
export const NUMBER_EDGES = [
  '-0',
  '1e308',
  '-1e308',
  '9007199254740993',
  '-9007199254740993',
  '1e-7',
  '5e-324',
  '2147483647',
  '2147483648',
  '1.0',
  '1e0',
  '0',
  '-1',
  '0.1',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '0x10',
  '01',
  '.5',
  '+1',
];

export const MALFORMED_JSON = [
  '',
  ' ',
  '{',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}/* comment */',
  '\ufeff{}',
  'null',
  '"a string"',
  '123',
  'true',
  '{"a":1}{"b":2}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"unterminated}',
  '{"a" 1}',
  '[1,2',
];

export const SPECIAL_KEYS = [
  'extra',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  'id',
  'platform_id',
  'api_key',
  'raw_key',
  '\u0000',
  '\ud800',
];

/** A value that fits the schema (short strings, small numbers). */
export function validValueArb(schema: JsonSchema): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case 'string':
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ minLength: Math.max(schema.minLength ?? 0, 1), maxLength: Math.min(schema.maxLength ?? 24, 24) });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1_000, (schema.minimum ?? 0) + 1_000) });
    case 'number':
      return fc.integer({ min: 1, max: 1_000 });
    case 'boolean':
      return fc.boolean();
    case 'object':
      return schema.properties
        ? validObjectArb(schema)
        : fc.dictionary(fc.constantFrom('plan', 'seats', 'token'), fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxKeys: 2 });
    default:
      return fc.constant(null);
  }
}

export function validObjectArb(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  return fc.record(Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, validValueArb(property)])), {
    requiredKeys: schema.required ?? [],
  }) as fc.Arbitrary<Record<string, unknown>>;
}

type Kind = 'string' | 'integer' | 'fraction' | 'boolean' | 'null' | 'array' | 'object';
const VALUES_OF_KIND: Record<Kind, fc.Arbitrary<unknown>> = {
  string: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('1', 'true', 'null', '{}')),
  integer: fc.oneof(fc.integer(), fc.constantFrom(0, 1, -1)),
  fraction: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.oneof(fc.constant([]), fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxLength: 3 })),
  object: fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 })),
};

/** A value of every JSON kind the schema does not allow. */
export function wrongTypeArb(schema: JsonSchema): fc.Arbitrary<unknown> {
  const allowed = new Set<Kind>(
    (
      { string: ['string'], integer: ['integer'], number: ['integer', 'fraction'], boolean: ['boolean'], object: ['object'], array: ['array'] } as Record<
        string,
        Kind[]
      >
    )[schema.type ?? ''] ?? [],
  );
  if (schema.nullable) allowed.add('null');
  const kinds = (Object.keys(VALUES_OF_KIND) as Kind[]).filter((kind) => !allowed.has(kind));
  return fc.constantFrom(...kinds).chain((kind) => VALUES_OF_KIND[kind]);
}

export interface BodyGarbage {
  label: string;
  /** The body as sent; undefined for none. */
  body: string | Buffer | undefined;
}

const text = (label: string, value: unknown): BodyGarbage => ({ label, body: jsonText(value) });

/** A filler string that makes `build(filler)` exactly `bytes` long (UTF-8). */
export function padTo(bytes: number, build: (filler: string) => string): string {
  const without = Buffer.byteLength(build(''), 'utf8');
  return build('x'.repeat(Math.max(bytes - without, 0)));
}

/** Request bodies that are wrong somewhere, derived from the route's body schema (or none, for a route without a body). */
export function bodyGarbageArb(schema: JsonSchema | null): fc.Arbitrary<BodyGarbage> {
  const properties = Object.entries(schema?.properties ?? {});
  const base: fc.Arbitrary<Record<string, unknown>> = schema?.properties ? validObjectArb(schema) : fc.constant({ anything: 1 });
  const names = properties.length > 0 ? properties.map(([name]) => name) : ['anything'];
  const schemaOf = (name: string): JsonSchema => schema?.properties?.[name] ?? {};
  const field = fc.constantFrom(...names);

  const wrongType = fc
    .tuple(base, field)
    .chain(([body, name]) =>
      wrongTypeArb(schemaOf(name)).map((value) =>
        text(`${name}: wrong type ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}`, { ...body, [name]: value }),
      ),
    );
  const hugeString = fc
    .tuple(
      base,
      field,
      fc.constantFrom('field limit + 1', 'field limit in 2-byte chars', 'body limit - 16', 'body limit', 'body limit + 1', 'body limit + 2 KiB'),
    )
    .map(([body, name, size]) => {
      const max = schemaOf(name).maxLength ?? 255;
      const build = (filler: string) => jsonText({ ...body, [name]: filler });
      const huge =
        size === 'field limit + 1'
          ? build('x'.repeat(max + 1))
          : size === 'field limit in 2-byte chars'
            ? build('é'.repeat(max))
            : padTo(
                { 'body limit - 16': BODY_LIMIT - 16, 'body limit': BODY_LIMIT, 'body limit + 1': BODY_LIMIT + 1, 'body limit + 2 KiB': BODY_LIMIT + 2 * KIB }[
                  size
                ]!,
                build,
              );
      return { label: `${name}: huge string (${size})`, body: huge };
    });
  const unicode = fc
    .tuple(base, field, fc.constantFrom(...UNICODE_EDGES), fc.boolean())
    .map(([body, name, edge, asKey]) =>
      asKey
        ? { label: `unicode edge in a key (${edge.label})`, body: `{${edge.json}:1${Object.keys(body).length > 0 ? `,${jsonText(body).slice(1)}` : '}'}` }
        : text(`${name}: ${edge.label}`, { ...body, [name]: new RawJson(edge.json) }),
    );
  const numberEdge = fc
    .tuple(base, field, fc.constantFrom(...NUMBER_EDGES))
    .map(([body, name, literal]) => text(`${name}: number ${literal}`, { ...body, [name]: new RawJson(literal) }));
  const extraField = fc
    .tuple(
      base,
      fc.constantFrom(...SPECIAL_KEYS, ...names.map((name) => name.toUpperCase()), ...names.map((name) => ` ${name}`)),
      fc.jsonValue({ maxDepth: 1 }),
    )
    .map(([body, key, value]) => text(`extra field ${JSON.stringify(key)}`, new JsonEntries([...Object.entries(body), [key, value ?? null]])));
  const duplicateKey = fc.tuple(base, field, fc.boolean()).chain(([body, name, wrongLast]) =>
    wrongTypeArb(schemaOf(name)).map((wrong) => {
      const valid = body[name] ?? 'x';
      const pair: [string, unknown][] = wrongLast
        ? [
            [name, valid],
            [name, wrong],
          ]
        : [
            [name, wrong],
            [name, valid],
          ];
      return text(
        `duplicate key ${name} (${wrongLast ? 'wrong last' : 'wrong first'})`,
        new JsonEntries([...Object.entries(body).filter(([key]) => key !== name), ...pair]),
      );
    }),
  );
  const arrayForObject = fc
    .tuple(base, field, fc.constantFrom('body', 'field'))
    .map(([body, name, where]) =>
      where === 'body' ? text('body is an array', [body]) : text(`${name}: array where a value belongs`, { ...body, [name]: [body[name] ?? null] }),
    );
  const deep = fc
    .tuple(base, field, fc.constantFrom('body', 'field arrays', 'field objects'))
    .map(([body, name, where]) =>
      where === 'body'
        ? text(`body nested ${DEEP_LEVELS} levels`, deepArrays())
        : text(`${name}: nested ${DEEP_LEVELS} levels (${where})`, { ...body, [name]: where === 'field arrays' ? deepArrays() : deepObjects() }),
    );
  const malformed = fc.constantFrom(...MALFORMED_JSON).map((raw) => ({ label: `malformed JSON ${JSON.stringify(raw.slice(0, 20))}`, body: raw }));
  const nullField = fc.tuple(base, field).map(([body, name]) => text(`${name}: null`, { ...body, [name]: null }));
  const invalidUtf8 = fc.tuple(base, field).map(([body, name]) => {
    // `name` goes last, its string left open: {"a":1,"name":"<bytes>"}
    const open = jsonText(new JsonEntries([...Object.entries(body).filter(([key]) => key !== name), [name, new RawJson('"')]])).slice(0, -1);
    return {
      label: `${name}: invalid UTF-8 bytes`,
      body: Buffer.concat([Buffer.from(open), Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    };
  });

  return fc.oneof(wrongType, hugeString, unicode, numberEdge, extraField, duplicateKey, arrayForObject, deep, malformed, nullField, invalidUtf8);
}

const enc = encodeURIComponent;

/** Query strings that are odd in every way, for the route's documented query parameters (or an unknown one). */
export function queryGarbageArb(params: DocumentedParameter[]): fc.Arbitrary<{ label: string; query: string }> {
  const names = params.length > 0 ? params.map((p) => p.name) : ['page'];
  const name = fc.constantFrom(...names);
  const q = (label: string, query: string) => ({ label, query });
  return fc.oneof(
    name.map((n) => q(`repeated ${n}`, `${n}=1&${n}=2`)),
    fc
      .tuple(name, fc.constantFrom('[]=1', '[a]=1', '[0]=1&X[1]=2', '[__proto__]=1', '[]='))
      .map(([n, suffix]) => q(`brackets on ${n}`, `${n}${suffix.replace('X', n)}`)),
    fc.tuple(name, fc.constantFrom('=%00', '=a%00b', '%00=1', '=1%00')).map(([n, tail]) => q(`NUL in ${n}`, tail.startsWith('%00') ? tail : `${n}${tail}`)),
    fc.tuple(name, fc.integer({ min: 2_000, max: 12_000 })).map(([n, length]) => q(`very long ${n} (${length})`, `${n}=${'a'.repeat(length)}`)),
    fc
      .tuple(
        name,
        fc.constantFrom(
          '-1',
          '0',
          '1.5',
          '1e2',
          '99999999999999999999',
          ' 1',
          '+1',
          '0x10',
          '',
          '-0',
          'NaN',
          'Infinity',
          '٣',
          '１',
          '1,2',
          'true',
          'null',
          '[]',
          '{}',
        ),
      )
      .map(([n, value]) => q(`${n}=${JSON.stringify(value)}`, `${n}=${enc(value)}`)),
    fc
      .tuple(name, fc.constantFrom('%E0%A4%A', '%', '%ZZ', '%ED%A0%80', '%C0%AF', '%FF%FE', '%u0041'))
      .map(([n, value]) => q(`bad percent-encoding ${value} in ${n}`, `${n}=${value}`)),
    fc
      .constantFrom('foo=bar', 'externalId=x', '__proto__=1', 'constructor=1', 'PAGE=1', 'limit =1', '%ZZ=1')
      .map((query) => q(`unknown parameter ${query}`, query)),
    fc.constantFrom('&&&', '=', '==', 'page', 'page==1', ';', '?', '#frag', '+', 'a=1;b=2').map((query) => q(`structural ${JSON.stringify(query)}`, query)),
    fc
      .constantFrom(
        '0000-01-01T00:00:00Z',
        '99999-01-01T00:00:00Z',
        '2026-02-30T00:00:00Z',
        '2026-01-01T24:00:00Z',
        '2026-01-01T00:00:00+99:99',
        '+275760-09-13T00:00:00.001Z',
        'now',
        '1',
        '2026-01-01',
      )
      .map((value) => q(`as_of=${value}`, `as_of=${enc(value)}`)),
  );
}

export interface Keys {
  /** The key the route takes, valid for the path it is sent to. */
  valid: string;
  /** A valid key of the other kind (end-user key for a management route and vice versa). */
  otherKind: string;
  /** Another platform's valid platform key. */
  foreignPlatform: string;
}

/** Authorization headers that must all be refused (401 or 403), never understood. */
export function authGarbageArb(keys: Keys): fc.Arbitrary<{ label: string; authorization: string | string[] | undefined }> {
  const { valid } = keys;
  const a = (label: string, authorization: string | string[] | undefined) => ({ label, authorization });
  return fc.oneof(
    fc.constant(a('no Authorization', undefined)),
    fc.constantFrom(
      a('empty', ''),
      a('scheme only', 'Bearer'),
      a('scheme and space', 'Bearer '),
      a('lowercase scheme', `bearer ${valid}`),
      a('Basic', `Basic ${Buffer.from(`user:${valid}`).toString('base64')}`),
      a('no scheme', valid),
      a('two tokens', `Bearer ${valid} ${valid}`),
      a('key with a suffix', `Bearer ${valid}x`),
      a('truncated key', `Bearer ${valid.slice(0, -1)}`),
      a('uppercase key', `Bearer ${valid.toUpperCase()}`),
      a('non-hex key', `Bearer ${valid.replace(/_.*/, '_')}${'g'.repeat(64)}`),
      a('prefix only', 'Bearer sk-plat_'),
      a('4 KiB token', `Bearer ${'a'.repeat(4 * KIB)}`),
      a('tab separator', `Bearer\t${valid}`),
      a('latin-1 token', 'Bearer sk-plat_ÿÿÿ'),
      a('two Authorization headers (garbage first)', ['Bearer nope', `Bearer ${valid}`]),
      a('key of the other kind', `Bearer ${keys.otherKind}`),
      a("another platform's key", `Bearer ${keys.foreignPlatform}`),
      a('unknown platform key', `Bearer sk-plat_${'0'.repeat(64)}`),
      a('unknown end-user key', `Bearer sk-eu_${'0'.repeat(64)}`),
    ),
  );
}

/** Path parameter values that are not a usable id: malformed UUIDs, traversal, NUL, bad encodings. */
export const PATH_GARBAGE = [
  'not-a-uuid',
  '..',
  '%2e%2e',
  '..%2F..%2Fetc%2Fpasswd',
  '..%5C..%5Cwindows',
  '%00',
  'a%00b',
  '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31%00',
  '5d2c7e1a1f3b4c8e8a0d6b9e2f4a7c31',
  '%7B5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31%7D',
  '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c3',
  '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31-',
  'g0000000-0000-0000-0000-000000000000',
  '%27%3B%20DROP%20TABLE%20end_users%3B--',
  '%E0%A4%A',
  '%C0%AE%C0%AE',
  '%F0%9F%99%82',
  'a'.repeat(2_000),
  '%20',
];

/** The one error envelope: exactly { error: { code, message, details, request_id } }, request_id = X-Request-Id. Returns what is wrong. */
export function envelopeProblems(res: Response): string[] {
  const problems: string[] = [];
  const contentType = String(res.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/json')) problems.push(`content-type is ${JSON.stringify(contentType)}`);
  const body = res.body as { error?: Record<string, unknown> } | undefined;
  if (!body || typeof body !== 'object' || Object.keys(body).join(',') !== 'error' || typeof body.error !== 'object' || body.error === null) {
    problems.push(`body is not {error: ...}: ${JSON.stringify(res.text?.slice(0, 200))}`);
    return problems;
  }
  const error = body.error;
  const keys = Object.keys(error).sort().join(',');
  if (keys !== 'code,details,message,request_id') problems.push(`error has keys ${keys}`);
  if (typeof error.code !== 'string') problems.push('error.code is not a string');
  if (typeof error.message !== 'string' || error.message.length === 0) problems.push('error.message is not a non-empty string');
  if (!Array.isArray(error.details) || !error.details.every((d: any) => d && typeof d.field === 'string' && typeof d.issue === 'string')) {
    problems.push(`error.details is not a list of {field, issue}: ${JSON.stringify(error.details)}`);
  }
  if (typeof error.request_id !== 'string' || error.request_id.length === 0) problems.push('error.request_id is not a non-empty string');
  if (res.headers['x-request-id'] !== error.request_id)
    problems.push(`X-Request-Id ${JSON.stringify(res.headers['x-request-id'])} != error.request_id ${JSON.stringify(error.request_id)}`);
  if (/\bat [\w$.<>]+ \(|node_modules|\.(ts|js):\d+|QueryFailedError|duplicate key value|violates .* constraint/.test(res.text ?? ''))
    problems.push('body leaks internals');
  return problems;
}

export interface TenantScope {
  platformId: string;
  platformKeyId: string;
  /** The event store and outbox heads before the tenant existed: only rows after them are scanned. */
  since: { globalPosition: string; outboxId: string };
  /** End users whose rows may change after the request that deleted them (the worker's cascade), left out. */
  excludedEndUserIds: readonly string[];
}

const digest = (from: string) => `(SELECT count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) FROM ${from})`;

/**
 * Count and order-independent checksum of every row a request of the tenant can write, table by
 * table: events (its streams and every event its key wrote), the read tables, the outbox (without
 * the relay's bookkeeping columns, and without the payload, sealed and emptied once published), idempotency keys, rate limits, MCP connections, the platform.
 * Budgets and the ledger are left out: only the worker writes them, whenever it gets to an event.
 */
export async function tenantFingerprint(db: Database, scope: TenantScope): Promise<Record<string, string>> {
  const ownedBy = 'platform_id = $1 AND end_user_id <> ALL($3::uuid[])';
  const [row] = await db.query<Record<string, string>>(
    `SELECT
       ${digest(`(SELECT event_id, stream_id, stream_version, event_type, payload, metadata FROM events
                  WHERE global_position > $4 AND (metadata->>'actorKeyId' = $2 OR stream_id IN (SELECT 'end_user-' || id FROM end_users WHERE platform_id = $1))) t`)} AS events,
       ${digest('end_users t WHERE platform_id = $1 AND id <> ALL($3::uuid[])')} AS end_users,
       ${digest(`end_user_api_keys t WHERE ${ownedBy}`)} AS end_user_api_keys,
       ${digest(`end_user_key_hashes t WHERE ${ownedBy}`)} AS end_user_key_hashes,
       ${digest(`end_user_external_ids t WHERE ${ownedBy}`)} AS end_user_external_ids,
       ${digest(`(SELECT event_id, topic, message_key, headers FROM outbox WHERE id > $5 AND message_key IN (SELECT id::text FROM end_users WHERE platform_id = $1)) t`)} AS outbox,
       ${digest('idempotency_keys t WHERE platform_id = $1')} AS idempotency_keys,
       ${digest(`end_user_rate_limits t WHERE ${ownedBy}`)} AS rate_limits,
       ${digest(`mcp_connections t WHERE ${ownedBy}`)} AS mcp_connections,
       ${digest('platforms t WHERE id = $1')} AS platform,
       ${digest('platform_api_keys t WHERE platform_id = $1')} AS platform_api_keys`,
    [scope.platformId, scope.platformKeyId, scope.excludedEndUserIds, scope.since.globalPosition, scope.since.outboxId],
  );
  return row;
}

/** Where the event store and the outbox stand now (see TenantScope.since). */
export async function storeHeads(db: Database): Promise<TenantScope['since']> {
  const [row] = await db.query<TenantScope['since']>(
    'SELECT (SELECT coalesce(max(global_position), 0) FROM events)::text AS "globalPosition", (SELECT coalesce(max(id), 0) FROM outbox)::text AS "outboxId"',
  );
  return row;
}

/** The tables whose fingerprint differs. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before).filter((table) => before[table] !== after[table]);
}
