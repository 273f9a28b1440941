import { Exchange, OpenApiResponseCheck, responseCheck } from '../support/openapi-responses';

/**
 * The response check every e2e suite runs (test/support/openapi-responses.ts), on documents made
 * here: what it must catch, each case named for what a validating client would reject.
 */

type Json = Record<string, any>;

const budget = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };

function documentWith(budgetProperty: Json, extra: Json = {}): Json {
  return {
    openapi: '3.0.3',
    info: { title: 't', version: '1' },
    paths: {
      '/v1/users/{id}': {
        get: {
          operationId: 'getUser',
          responses: {
            '200': {
              description: 'ok',
              headers: {
                'X-Request-Id': { required: true, schema: { type: 'string' } },
                ETag: { required: false, schema: { type: 'string', pattern: '^"\\d+"$' } },
              },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
            },
            '204': { description: 'nothing' },
          },
        },
      },
    },
    components: {
      schemas: {
        Budget: budget,
        User: { type: 'object', required: ['name', 'budget'], properties: { name: { type: 'string', nullable: true }, budget: budgetProperty } },
      },
    },
    ...extra,
  };
}

const NULLABLE_BESIDE_ALL_OF = { nullable: true, type: 'object', allOf: [{ $ref: '#/components/schemas/Budget' }] };
const NULLABLE_REFERENCE = { anyOf: [{ $ref: '#/components/schemas/Budget' }, { type: 'object', nullable: true, enum: [null] }] };

const exchange = (body: unknown, overrides: Partial<Exchange> = {}): Exchange => ({
  method: 'GET',
  url: '/v1/users/1',
  status: 200,
  headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1', 'content-length': '10' },
  text: JSON.stringify(body),
  ...overrides,
});

describe('the OpenAPI response check', () => {
  it('rejects a null the document declares with `nullable` beside `allOf` (OpenAPI 3.0.3), and admits it with anyOf [$ref, null]', () => {
    const body = { name: null, budget: null };
    expect(new OpenApiResponseCheck(documentWith(NULLABLE_BESIDE_ALL_OF)).problems(exchange(body)).join()).toMatch(/\/budget must be object/);
    expect(new OpenApiResponseCheck(documentWith(NULLABLE_REFERENCE)).problems(exchange(body))).toEqual([]);
    expect(new OpenApiResponseCheck(documentWith(NULLABLE_REFERENCE)).problems(exchange({ name: 'n', budget: { id: 'b' } }))).toEqual([]);
  });

  it('names the route, the status and what does not match', () => {
    const check = new OpenApiResponseCheck(documentWith(NULLABLE_REFERENCE));
    const [problem] = check.problems(exchange({ name: 1, budget: null }));
    expect(problem).toContain('GET /v1/users/1 -> 200: GET /v1/users/{id} (getUser)');
    expect(problem).toMatch(/\/name must be string/);
  });

  it('rejects a field the document does not describe', () => {
    const check = new OpenApiResponseCheck(documentWith(NULLABLE_REFERENCE));
    expect(check.problems(exchange({ name: 'n', budget: null, raw_key: 'sk-eu_x' })).join()).toMatch(/does not describe: .* 'raw_key'/);
  });

  it('rejects an undeclared header of the API, a missing required one and a value out of its schema; transport headers pass', () => {
    const check = new OpenApiResponseCheck(documentWith(NULLABLE_REFERENCE));
    const body = { name: 'n', budget: null };
    expect(
      check.problems(exchange(body, { headers: { 'content-type': 'application/json', 'x-request-id': 'r', 'idempotent-replayed': 'true' } })).join(),
    ).toMatch(/header idempotent-replayed is sent but not declared/);
    expect(check.problems(exchange(body, { headers: { 'content-type': 'application/json' } })).join()).toMatch(/header X-Request-Id is required but missing/);
    expect(check.problems(exchange(body, { headers: { 'content-type': 'application/json', 'x-request-id': 'r', etag: 'W/"x"' } })).join()).toMatch(
      /header ETag/,
    );
    expect(
      check.problems(exchange(body, { headers: { 'content-type': 'application/json', 'x-request-id': 'r', etag: '"3"', date: 'now', connection: 'close' } })),
    ).toEqual([]);
  });

  it('rejects a status the operation does not document, a media type it does not list, and a body where it describes none', () => {
    const check = new OpenApiResponseCheck(documentWith(NULLABLE_REFERENCE));
    expect(check.problems(exchange({}, { status: 418 })).join()).toMatch(/status 418 is not documented \(documented: 200, 204\)/);
    expect(check.problems(exchange({}, { headers: { 'content-type': 'text/html', 'x-request-id': 'r' }, text: '<p>' })).join()).toMatch(
      /media type text\/html/,
    );
    expect(check.problems(exchange({}, { status: 204, headers: { 'x-request-id': 'r', 'content-type': 'application/json' } })).join()).toMatch(/a body/);
    expect(check.problems(exchange({}, { status: 204, headers: {}, text: '' }))).toEqual([]);
  });

  it('holds a request for an unlisted path or method to the `x-unlisted-requests` answers, and fails it when the document has none', () => {
    const envelope = { type: 'object', required: ['error'], properties: { error: { type: 'object' } } };
    const unlisted = { 'x-unlisted-requests': { responses: { '404': { description: 'no route', content: { 'application/json': { schema: envelope } } } } } };
    const check = new OpenApiResponseCheck(documentWith(NULLABLE_REFERENCE, unlisted));
    const notFound = { status: 404, url: '/v1/nothing', headers: { 'content-type': 'application/json' } };
    expect(check.problems(exchange({ error: {} }, notFound))).toEqual([]);
    expect(check.problems(exchange({ error: {} }, { ...notFound, method: 'DELETE', url: '/v1/users/1' }))).toEqual([]);
    expect(check.problems(exchange({ ok: true }, { ...notFound, status: 200 })).join()).toMatch(/an unlisted route.*status 200 is not documented/);
    expect(new OpenApiResponseCheck(documentWith(NULLABLE_REFERENCE)).problems(exchange({}, notFound)).join()).toMatch(/says nothing of unlisted requests/);
  });

  it('rejects a oneOf that more than one open model matches (what the history route documented for `data`)', () => {
    const created = { type: 'object', required: ['external_id', 'api_key'], properties: { external_id: { type: 'string' }, api_key: { type: 'object' } } };
    const issued = { type: 'object', required: ['api_key'], properties: { api_key: { type: 'object' } } };
    const document = documentWith(NULLABLE_REFERENCE);
    document.components.schemas.User.properties.data = { oneOf: [created, issued] };
    const check = new OpenApiResponseCheck(document);
    expect(check.problems(exchange({ name: 'n', budget: null, data: { external_id: 'u', api_key: {} } })).join()).toMatch(
      /must match exactly one schema in oneOf/,
    );
  });

  it('leaves Swagger UI and the document it serves alone, with its reason in the check', () => {
    const check = new OpenApiResponseCheck(documentWith(NULLABLE_REFERENCE));
    expect(check.problems(exchange('<html>', { url: '/docs', headers: { 'content-type': 'text/html' }, text: '<html>' }))).toEqual([]);
    expect(check.problems(exchange({}, { url: '/docs-json' }))).toEqual([]);
  });

  it('accepts a create on a platform without a default budget against docs/openapi.json', () => {
    const id = '0b9f5a8e-6d1c-4a57-9a55-3a1e4c1f2b7d';
    const at = '2026-04-08T10:30:00.000Z';
    const body = {
      id,
      platform_id: id,
      external_id: 'user-123',
      display_name: null,
      metadata: {},
      is_active: true,
      created_at: at,
      updated_at: at,
      api_key: {
        id,
        platform_id: id,
        end_user_id: id,
        key_prefix: 'sk-eu_10',
        name: 'Default key',
        scopes: ['inference'],
        is_active: true,
        expires_at: null,
        last_used_at: null,
        created_at: at,
        raw_key: `sk-eu_${'0'.repeat(64)}`,
      },
      budget: null,
    };
    const headers = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r-1', etag: '"1"', 'cache-control': 'no-store' };
    expect(responseCheck().problems(exchange(body, { method: 'POST', url: `/v1/platforms/${id}/end-users`, status: 201, headers }))).toEqual([]);
  });
});
