import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { applyDocumentConventions } from './openapi-conventions';
import { END_USER_KEY_SCHEME, PLATFORM_KEY_SCHEME } from '../openapi/openapi.decorators';
import { projectVersion } from './project-root';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

const DESCRIPTION = `Manage the end users of your platform: each has a platform-defined \`external_id\`, its own API keys, an optional USD budget with a ledger, rate-limit overrides and MCP tool connections.

**Authentication.** Every \`/v1\` route takes \`Authorization: Bearer <key>\`. Management routes under \`/v1/platforms/{platformId}\` take a platform key (\`sk-plat_…\`) of that platform; \`/v1/me\` routes take an end-user key (\`sk-eu_…\`). A missing or invalid key is a 401, a key of the wrong kind or another platform's key a 403, and another platform's end user a 404 exactly like a missing one.

**Errors.** Every failure has one envelope: \`{"error": {"code", "message", "details": [{"field", "issue"}], "request_id"}}\`.

**Requests.** Bodies are JSON (\`Content-Type: application/json\`) of at most 64 KiB; unknown body fields and unknown query parameters are a 400. Send \`X-Request-Id\` to correlate a request (1-128 of \`A-Z a-z 0-9 . _ : -\`); every response carries one in the \`X-Request-Id\` header.

**Concurrency and retries.** End-user responses carry an \`ETag\` (the user's version) that \`If-Match\` makes a write conditional on. Mutating platform routes take an \`Idempotency-Key\`; a replayed answer carries \`Idempotent-Replayed: true\`.

**Unlisted routes.** A path or method not listed here answers 404 in the envelope (the document's \`x-unlisted-requests\`).

**Lists** take \`page\` (from 1, default 1) and \`limit\` (1-100, default 20) and return \`{"data", "total", "page", "limit"}\`.

The public Kafka events are described in docs/asyncapi.yaml.`;

/**
 * OpenAPI 3.0.3, the patch release that fixed what `nullable` means (it widens its own `type`
 * and nothing else), rather than 3.1: @nestjs/swagger writes 3.0 schemas, and 3.0 is what every
 * generator, gateway and validator a client may use reads. openapi-conventions.ts keeps the
 * document within 3.0.3's rules where the decorators alone would not.
 */
function openApiConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setOpenAPIVersion('3.0.3')
    .setTitle('End Users API')
    .setVersion(projectVersion())
    .setDescription(DESCRIPTION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'The server that serves this document')
    .addServer('http://localhost:3000', 'Local development (npm run up)')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'sk-plat_<64 hex>', description: 'A platform key: `sk-plat_` and 64 lowercase hex characters.' },
      PLATFORM_KEY_SCHEME,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'sk-eu_<64 hex>', description: "An end user's key: `sk-eu_` and 64 lowercase hex characters." },
      END_USER_KEY_SCHEME,
    )
    .addTag('End users', 'Create, list, read, update and delete the end users of a platform; their event history.')
    .addTag('Platforms', 'The platform itself and its settings.')
    .addTag('Budgets', "An end user's USD budget and its ledger.")
    .addTag('Rate limits', "An end user's rate-limit override.")
    .addTag('MCP connections', "An end user's MCP tool connections.")
    .addTag('Self-service', 'Routes for an end user, with its own key.')
    .addTag('Operations', 'Health probes and metrics; no key needed.')
    .build();
}

/**
 * The OpenAPI document of the app's routes, in a canonical form so that the committed
 * docs/openapi.json, GET /docs-json and the generator all produce the very same JSON.
 * Needs only the app's module graph: it works on an app created in preview mode (no database).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(app, openApiConfig());
  closeRequestBodies(document);
  applyDocumentConventions(document);
  return canonicalOpenApi(document);
}

/** Swagger UI at /docs and the JSON document at /docs-json; served outside Nest's routing, so the error filter never sees them. */
export function serveOpenApi(app: INestApplication): void {
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup(DOCS_PATH, app, () => (document ??= buildOpenApiDocument(app)), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'End Users API',
  });
}

type Schema = Record<string, unknown>;

/**
 * Unknown body fields are a 400 (StrictValidationPipe), nested ones too: the request body
 * models, and the models they reference, admit no other properties.
 */
function closeRequestBodies(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const closed = new Set<string>();
  const close = (schema: unknown): void => {
    if (schema === null || typeof schema !== 'object') return;
    const { $ref, properties, allOf } = schema as Schema;
    if (typeof $ref === 'string') {
      const name = $ref.replace('#/components/schemas/', '');
      if (closed.has(name) || !schemas[name]) return;
      closed.add(name);
      schemas[name].additionalProperties = false;
      close(schemas[name]);
      return;
    }
    for (const property of Object.values((properties ?? {}) as Record<string, unknown>)) close(property);
    for (const part of (allOf ?? []) as unknown[]) close(part);
  };
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as { requestBody?: { content?: Record<string, { schema?: unknown }> } }[]) {
      for (const media of Object.values(operation?.requestBody?.content ?? {})) close(media.schema);
    }
  }
}

type Parameter = { name: string; in: string };
type Operation = { responses?: Record<string, unknown>; parameters?: Parameter[] };

const METHOD_ORDER = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];
const byKey = <T>(record: Record<string, T>, compare: (a: string, b: string) => number = (a, b) => (a < b ? -1 : a > b ? 1 : 0)): Record<string, T> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));

/**
 * Maps keyed by names are sorted (paths, methods in HTTP order, response statuses, component
 * names); everything else keeps the order of the code, so schemas list fields as the contract does.
 */
function canonicalOpenApi(document: OpenAPIObject): OpenAPIObject {
  const paths = byKey(document.paths);
  for (const [path, item] of Object.entries(paths)) {
    const operations = byKey(item as Record<string, unknown>, (a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b)) as Record<string, Operation>;
    for (const operation of Object.values(operations)) {
      if (operation.responses) operation.responses = byKey(operation.responses);
      // Path parameters as the path names them, then the others as declared (a stable sort).
      const rank = (parameter: Parameter) => (parameter.in === 'path' ? path.indexOf(`{${parameter.name}}`) : path.length);
      operation.parameters?.sort((a, b) => rank(a) - rank(b));
    }
    paths[path] = operations;
  }
  const components = Object.fromEntries(Object.entries(document.components ?? {}).map(([kind, entries]) => [kind, byKey(entries as Record<string, unknown>)]));
  return JSON.parse(JSON.stringify({ ...document, paths, components })) as OpenAPIObject;
}
