import { Database } from '@app/persistence';
import { INTEGRATION_EVENT_SCHEMAS, INTEGRATION_EVENT_TYPES, validateIntegrationEvent } from '@app/contracts';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import request from 'supertest';
import { END_USER_EVENT_DATA_MODELS } from '../../apps/api/src/end-users/list-end-user-events/end-user-event-data.response';
import { buildAsyncApiDocument, EVENT_EXAMPLES } from '../../apps/api/src/interface-documents/asyncapi';
import {
  absolutePath,
  ASYNCAPI_FILE,
  InterfaceDocument,
  OPENAPI_FILE,
  renderInterfaceDocuments,
} from '../../apps/api/src/interface-documents/interface-documents';
import { bearer, RunningApi, startApi } from '../support/api';
import { uniqueId } from '../support/contract';
import { createTestPlatform, openTestDatabase, TestPlatform } from '../support/database';

// The YAML reader of @nestjs/swagger (a dependency of it), used here only to read back docs/asyncapi.yaml.
const yaml = createRequire(require.resolve('@nestjs/swagger'))('js-yaml') as { load(text: string): unknown };

type Json = Record<string, any>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

describe('interface documents (docs/openapi.json, docs/asyncapi.yaml)', () => {
  let documents: InterfaceDocument[];
  let openapi: Json;
  const rendered = (path: string) => documents.find((document) => document.path === path)!;

  beforeAll(async () => {
    documents = await renderInterfaceDocuments();
    openapi = JSON.parse(rendered(OPENAPI_FILE).text);
  });

  describe('the committed files', () => {
    it.each([OPENAPI_FILE, ASYNCAPI_FILE])('%s is what npm run docs:generate writes', (path) => {
      const document = rendered(path);
      const committed = existsSync(absolutePath(document)) ? readFileSync(absolutePath(document), 'utf8') : null;
      if (committed === document.text) return;
      const line = committed === null ? 0 : committed.split('\n').findIndex((text, index) => text !== document.text.split('\n')[index]) + 1;
      throw new Error(
        `${path} is out of date: run npm run docs:generate${committed === null ? ' (the file is missing)' : ` (first difference on line ${line})`}`,
      );
    });
  });

  describe('the AsyncAPI document', () => {
    it('is YAML of exactly the document built from the code', () => {
      expect(yaml.load(rendered(ASYNCAPI_FILE).text)).toEqual(buildAsyncApiDocument());
    });

    it.each(INTEGRATION_EVENT_TYPES)('has a message for %s whose payload is its JSON Schema, and whose example matches that schema', (type) => {
      const document = buildAsyncApiDocument() as Json;
      const message = Object.values(document.components.messages as Json).find((candidate) => candidate.name === type);
      expect(message).toBeDefined();
      const component = document.components.schemas[message.payload.$ref.replace('#/components/schemas/', '')];
      const schema = INTEGRATION_EVENT_SCHEMAS[type] as Json;
      expect(component['x-schema-id']).toBe(schema.$id);
      expect(component.properties.event_type).toEqual(schema.properties.event_type);
      expect(message.bindings.kafka.key).toMatchObject({ type: 'string', format: 'uuid' });
      expect(message.headers.properties.event_type.const).toBe(type);
      expect(validateIntegrationEvent(message.examples[0].payload)).toEqual({ valid: true, event: EVENT_EXAMPLES[type] });
    });

    it('describes the dead-letter topic with the headers the worker adds', () => {
      const document = buildAsyncApiDocument() as Json;
      expect(document.channels.endUserEventsDeadLetter.address).toBe('end-users.events.v1.dlt');
      expect(document.components.messages.deadLetter.headers.required).toEqual([
        'dlt.origin.topic',
        'dlt.origin.partition',
        'dlt.origin.offset',
        'dlt.error',
        'dlt.attempts',
      ]);
    });
  });

  describe('the OpenAPI document', () => {
    it('names the fields of each event of the history route exactly as its JSON Schema does', () => {
      for (const type of INTEGRATION_EVENT_TYPES) {
        const documented = Object.keys(openapi.components.schemas[END_USER_EVENT_DATA_MODELS[type].name].properties).sort();
        // A deprecated property (end_user.deleted's external_id, no longer sent) is not documented for the history.
        const properties: Record<string, { deprecated?: boolean }> = (INTEGRATION_EVENT_SCHEMAS[type] as Json).properties.data.properties;
        const contract = Object.keys(properties)
          .filter((name) => !properties[name].deprecated)
          .sort();
        expect({ type, fields: documented }).toEqual({ type, fields: contract });
      }
    });

    it('gives every operation a unique operationId, a summary, a tag, and a key scheme on every /v1 route', () => {
      const operations = Object.entries(openapi.paths).flatMap(([path, item]) =>
        Object.entries(item as Json).map(([method, operation]) => ({ path, method, operation })),
      );
      expect(new Set(operations.map(({ operation }) => operation.operationId)).size).toBe(operations.length);
      for (const { path, method, operation } of operations) {
        expect({ path, method, summary: typeof operation.summary, tags: operation.tags?.length }).toEqual({ path, method, summary: 'string', tags: 1 });
        const scheme = path.startsWith('/v1/me') ? 'endUserKey' : path.startsWith('/v1/') ? 'platformKey' : undefined;
        expect({ path, security: operation.security }).toEqual({ path, security: scheme ? [{ [scheme]: [] }] : [] });
      }
    });

    it('is OpenAPI 3.0.3, and every nullable schema admits null under its rules (nullable beside a type, never beside $ref or a composition)', () => {
      expect(openapi.openapi).toBe('3.0.3');
      const misplaced: string[] = [];
      const walk = (value: unknown, where: string): void => {
        if (value === null || typeof value !== 'object') return;
        const schema = value as Json;
        if (schema.nullable === true && (typeof schema.type !== 'string' || ['$ref', 'allOf', 'anyOf', 'oneOf'].some((key) => key in schema))) {
          misplaced.push(where);
        }
        for (const [key, item] of Object.entries(schema)) if (key !== 'example' && key !== 'enum') walk(item, `${where}/${key}`);
      };
      walk(openapi, '#');
      expect(misplaced).toEqual([]);
      expect(openapi.components.schemas.CreatedEndUserResponse.properties.budget.anyOf).toEqual([
        { $ref: '#/components/schemas/BudgetResponse' },
        { type: 'object', nullable: true, enum: [null] },
      ]);
    });

    it('declares the headers responses carry: X-Request-Id on each, ETag on end users, Idempotent-Replayed where a replay can answer', () => {
      const resolve = (response: Json): Json => (response.$ref ? openapi.components.responses[response.$ref.split('/').pop()] : response);
      const missing: string[] = [];
      for (const [path, item] of Object.entries(openapi.paths)) {
        for (const [method, operation] of Object.entries(item as Json)) {
          const idempotent = (operation.parameters ?? []).some((parameter: Json) => parameter.name === 'Idempotency-Key');
          for (const [status, declared] of Object.entries(operation.responses as Json)) {
            const headers = resolve(declared).headers ?? {};
            const where = `${method.toUpperCase()} ${path} ${status}`;
            if (!headers['X-Request-Id']) missing.push(`${where}: X-Request-Id`);
            if (idempotent && status.startsWith('2') && !headers['Idempotent-Replayed']) missing.push(`${where}: Idempotent-Replayed`);
            if (!idempotent && headers['Idempotent-Replayed']) missing.push(`${where}: Idempotent-Replayed without Idempotency-Key`);
          }
        }
      }
      expect(missing).toEqual([]);
      const users = '/v1/platforms/{platformId}/end-users';
      const etag = (path: string, method: string, status: string) => openapi.paths[path][method].responses[status].headers?.ETag?.required;
      expect([
        etag(users, 'post', '201'),
        etag(users, 'post', '200'),
        etag(`${users}/{endUserId}`, 'get', '200'),
        etag(`${users}/{endUserId}`, 'patch', '200'),
      ]).toEqual([
        true,
        true,
        false, // a read with `as_of` has no current version
        true,
      ]);
      expect(openapi['x-unlisted-requests'].responses['404'].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/ErrorEnvelopeResponse',
      });
    });
  });

  describe('on the running app', () => {
    let api: RunningApi;
    let db: Database;
    beforeAll(async () => {
      api = await startApi();
      db = await openTestDatabase();
    });
    afterAll(async () => {
      await api.close();
      await db.close();
    });

    it('documents every route the app registers, and no other', () => {
      const stack = (api.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router
        .stack;
      const registered = stack
        .flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((method) => `${method} ${layer.route!.path}`) : []))
        // Swagger UI's own routes, and Nest's middleware for all routes (registered as wildcard routes).
        .filter((route) => !/ \/docs(\/|-json$|$)/.test(route) && !route.includes('*'))
        .map((route) => route.replace(/:(\w+)/g, '{$1}'))
        .sort();
      const documented = Object.entries(openapi.paths)
        .flatMap(([path, item]) => Object.keys(item as Json).map((method) => `${method} ${path}`))
        .sort();
      expect(registered).toEqual(documented);
    });

    it('serves the same document at GET /docs-json', async () => {
      const res = await request(api.server).get('/docs-json');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(openapi);
    });

    it('serves Swagger UI at GET /docs, and other routes still answer in the error envelope', async () => {
      const ui = await request(api.server).get('/docs');
      expect(ui.status).toBe(200);
      expect(ui.headers['content-type']).toMatch(/^text\/html/);
      expect(ui.text).toContain('swagger-ui');
      expect(ui.headers['x-request-id']).toBeDefined();
      const missing = await request(api.server).get('/docs-yaml');
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatchObject({ code: 'not_found' });
    });

    it('answers on every route with a status and a body the document describes', async () => {
      // Each response is checked against docs/openapi.json by test/support/api.ts, as in every e2e suite.
      const send = async (
        method: Method,
        template: string,
        values: Record<string, string>,
        options: { key?: string; body?: unknown; query?: Json; type?: string } = {},
      ) => {
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => values[name]);
        let req = request(api.server)[method](path);
        if (options.key) req = req.set(bearer(options.key));
        if (options.query) req = req.query(options.query);
        if (options.type) req = req.set('Content-Type', options.type);
        return options.body === undefined ? req : req.send(options.body as object);
      };

      const withBudget = await createTestPlatform(db, { default_budget_usd: 25 });
      const plain: TestPlatform = await createTestPlatform(db);
      const platformId = withBudget.id;
      const key = withBudget.key;
      const users = '/v1/platforms/{platformId}/end-users';
      const user = `${users}/{endUserId}`;

      const externalId = uniqueId('docs');
      const created = await send(
        'post',
        users,
        { platformId },
        { key, body: { external_id: externalId, display_name: 'Jane Smith', metadata: { plan: 'pro' } } },
      );
      expect(created.status).toBe(201);
      expect(created.body.budget).not.toBeNull();
      const endUserId: string = created.body.id;
      const ids = { platformId, endUserId };
      expect((await send('post', users, { platformId }, { key, body: { external_id: externalId } })).status).toBe(200);
      expect((await send('post', users, { platformId: plain.id }, { key: plain.key, body: { external_id: uniqueId('docs') } })).body.budget).toBeNull();

      expect((await send('get', users, ids, { key })).status).toBe(200);
      expect((await send('get', users, ids, { key, query: { external_id: externalId, page: 1, limit: 5 } })).body.data).toHaveLength(1);
      expect((await send('get', user, ids, { key })).status).toBe(200);
      expect((await send('get', user, ids, { key, query: { as_of: new Date().toISOString() } })).status).toBe(200);
      expect((await send('get', user, ids, { key, query: { as_of: '2000-01-01T00:00:00Z' } })).status).toBe(404);
      expect((await send('patch', user, ids, { key, body: { display_name: null, metadata: {}, is_active: true } })).status).toBe(200);
      const events = await send('get', `${user}/events`, ids, { key });
      expect(events.body.data.map((event: Json) => event.event_type)).toEqual(['end_user.created', 'end_user.api_key_issued', 'end_user.updated']);

      expect((await send('get', '/v1/platforms/{platformId}', ids, { key })).status).toBe(200);
      expect((await send('patch', '/v1/platforms/{platformId}', ids, { key, body: { name: 'Docs', settings: { default_budget_usd: 30 } } })).status).toBe(200);
      await send('get', `${user}/budget`, ids, { key }); // 200 once the worker provisioned it, 404 before: both documented
      expect((await send('get', `${user}/budget/transactions`, ids, { key })).status).toBe(200);

      expect((await send('put', `${user}/rate-limits`, ids, { key, body: { rpm_limit: 60, tpm_limit: null } })).status).toBe(200);
      expect((await send('get', `${user}/rate-limits`, ids, { key })).status).toBe(200);
      const endUserKey: string = created.body.api_key.raw_key;
      expect((await send('get', '/v1/me/rate-limits', {}, { key: endUserKey })).body.resolution).toBe('explicit');
      expect((await send('delete', `${user}/rate-limits`, ids, { key })).status).toBe(204);
      expect((await send('get', `${user}/rate-limits`, ids, { key })).status).toBe(404);
      expect((await send('get', '/v1/me/rate-limits', {}, { key: endUserKey })).body.resolution).toBe('none');

      const connections = `${user}/mcp-connections`;
      const connection = await send('post', connections, ids, { key, body: { app: 'github', credentials: { token: 'x' } } });
      expect(connection.status).toBe(201);
      expect((await send('post', connections, ids, { key, body: { app: 'github' } })).status).toBe(200);
      expect((await send('get', connections, ids, { key })).body.total).toBe(1);
      const oneConnection = { ...ids, connectionId: connection.body.id };
      expect((await send('delete', `${connections}/{connectionId}`, oneConnection, { key })).status).toBe(204);
      expect((await send('delete', `${connections}/{connectionId}`, oneConnection, { key })).status).toBe(404);

      expect((await send('get', '/v1/me', {}, { key: endUserKey })).status).toBe(200);
      await send('get', '/v1/me/budget', {}, { key: endUserKey });

      expect((await send('get', users, ids, {})).status).toBe(401);
      expect((await send('get', users, ids, { key: endUserKey })).status).toBe(403);
      expect((await send('get', '/v1/me', {}, { key })).status).toBe(403);
      expect((await send('get', user, { platformId, endUserId: 'not-a-uuid' }, { key })).status).toBe(400);
      expect((await send('post', users, ids, { key, body: { external_id: '' } })).status).toBe(400);
      expect((await send('post', users, ids, { key, body: 'external_id=x', type: 'text/plain' })).status).toBe(415);
      expect((await send('post', users, ids, { key, body: { external_id: 'big', metadata: { blob: 'x'.repeat(17 * 1024) } } })).status).toBe(413);

      expect((await send('delete', user, ids, { key })).status).toBe(204);
      expect((await send('delete', user, ids, { key })).status).toBe(404);

      // Unlisted paths and methods: checked against the document's x-unlisted-requests answers.
      expect((await send('get', '/v1/nothing-here', {}, { key })).status).toBe(404);
      expect((await send('put', users, ids, { key, body: { external_id: 'x' } })).status).toBe(404);

      expect((await send('get', '/health/live', {})).status).toBe(200);
      await send('get', '/health/ready', {});
      expect((await send('get', '/metrics', {})).status).toBe(200);
    });
  });
});
