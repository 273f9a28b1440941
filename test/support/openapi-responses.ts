import Ajv, { AnySchema, ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Checks HTTP responses against docs/openapi.json: the status is one the operation documents (or
 * `NXX`, or `default`), every header the response declares is there when required and matches its
 * schema, no header of the API's own is undeclared, the media type is one the response lists and
 * the body matches its schema. Requests for a path or method the document does not list are held
 * to its `x-unlisted-requests` answers, not skipped.
 *
 * Schemas are validated by Ajv with the document's own dialect: OpenAPI 3.0's Schema Object is
 * JSON Schema draft 4 plus `nullable` (ajv-draft-04, which Ajv's docs name for OpenAPI 3.0), and
 * 3.1's is draft 2020-12 (Ajv2020). A second pass closes every object schema, so a field the
 * document does not describe fails too: the first pass shows what any validating client sees, the
 * second that the document leaves nothing out.
 */

type Json = Record<string, any>;

export interface Exchange {
  method: string;
  /** The request-target as sent (path and query), or a full URL. */
  url: string;
  status: number;
  /** Names in any case. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as received ('' when there was none). */
  text: string;
}

export const OPENAPI_DOCUMENT = path.resolve(__dirname, '../../docs/openapi.json');

/** Headers that HTTP itself or Node add to every response; anything else must be declared. */
const TRANSPORT_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/** Requests that are not the API: exempt, with the reason. */
const EXEMPT: { test: (path: string) => boolean; reason: string }[] = [
  {
    test: (requestPath) => requestPath === '/docs' || requestPath.startsWith('/docs/') || requestPath === '/docs-json',
    reason: 'Swagger UI and the document itself, served by SwaggerModule outside the API (test/docs checks /docs-json is the document)',
  },
];

/** Formats OpenAPI defines beyond JSON Schema's; the document uses none of them today. */
const OPENAPI_FORMATS: Record<string, RegExp | true> = {
  int32: true,
  int64: true,
  float: true,
  double: true,
  byte: /^[A-Za-z0-9+/]*={0,2}$/,
  binary: true,
  password: true,
};
const ANNOTATIONS = ['example', 'xml', 'externalDocs', 'deprecated', 'readOnly', 'writeOnly', 'x-schema-id'];

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  literalSegments: number;
  operation: Json;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pointerPart = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');
const essence = (mediaType: string) => mediaType.split(';')[0].trim().toLowerCase();
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

export class OpenApiResponseCheck {
  private readonly routes: Route[];
  private readonly ajv: Ajv;
  private readonly closedAjv: Ajv;
  private readonly headerAjv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: Json) {
    this.routes = Object.entries(document.paths as Json).flatMap(([template, item]) =>
      Object.entries(item as Json)
        .filter(([method]) => ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'].includes(method))
        .map(([method, operation]) => ({
          method,
          template,
          // Express's defaults: case-insensitive, an optional trailing slash.
          pattern: new RegExp(
            `^${template
              .split(/\{\w+\}/)
              .map(escapeRegExp)
              .join('[^/]+')}/?$`,
            'i',
          ),
          literalSegments: template.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
          operation: operation as Json,
        })),
    );
    this.ajv = this.newAjv({});
    this.closedAjv = this.newAjv({}, closeObjects(document));
    this.headerAjv = this.newAjv({ coerceTypes: true });
  }

  static fromFile(file = OPENAPI_DOCUMENT): OpenApiResponseCheck {
    return new OpenApiResponseCheck(JSON.parse(readFileSync(file, 'utf8')) as Json);
  }

  /** What is wrong with the response, one line each; empty when the document describes it. */
  problems(exchange: Exchange): string[] {
    const url = new URL(exchange.url, 'http://localhost');
    const method = exchange.method.toLowerCase();
    if (EXEMPT.some(({ test }) => test(url.pathname))) return [];
    const route = this.routeOf(method === 'head' ? 'get' : method, url.pathname);
    const responses: Json = route ? route.operation.responses : this.document['x-unlisted-requests']?.responses;
    const base = route ? `#/paths/${pointerPart(route.template)}/${route.method}/responses` : '#/x-unlisted-requests/responses';
    const name = route ? `${route.method.toUpperCase()} ${route.template} (${route.operation.operationId})` : 'an unlisted route';
    const what = `${exchange.method.toUpperCase()} ${url.pathname} -> ${exchange.status}: ${name}`;
    if (!responses) return [`${what}: the document lists no such route and says nothing of unlisted requests`];
    const key = [String(exchange.status), `${String(exchange.status)[0]}XX`, 'default'].find((candidate) => responses[candidate]);
    if (!key) return [`${what}: status ${exchange.status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
    const [response, pointer] = this.resolve(responses[key], `${base}/${pointerPart(key)}`);
    const problems = [
      ...this.headerProblems(response, pointer, exchange.headers),
      ...(method === 'head' ? [] : this.bodyProblems(response, pointer, exchange)),
    ];
    return problems.map((problem) => `${what} [${pointer}]: ${problem}`);
  }

  private newAjv(options: { coerceTypes?: boolean }, document: Json = this.document): Ajv {
    const version = String(document.openapi);
    const settings = { allErrors: true, strictTypes: false, strictTuples: false, strictRequired: false, discriminator: true, ...options };
    if (!/^3\.[01]\./.test(version)) throw new Error(`${OPENAPI_DOCUMENT}: OpenAPI ${version} is neither 3.0 nor 3.1`);
    const ajv: Ajv = version.startsWith('3.0.') ? new AjvDraft04(settings) : new Ajv2020(settings);
    addFormats(ajv);
    for (const [format, check] of Object.entries(OPENAPI_FORMATS)) ajv.addFormat(format, check);
    // The document is added whole so that its `$ref`s resolve; its top-level fields are no schema keywords.
    ajv.addVocabulary([...ANNOTATIONS, ...Object.keys(document)]);
    ajv.addSchema(document as AnySchema, 'openapi.json');
    return ajv;
  }

  private routeOf(method: string, requestPath: string): Route | undefined {
    return this.routes.filter((route) => route.method === method && route.pattern.test(requestPath)).sort((a, b) => b.literalSegments - a.literalSegments)[0];
  }

  /** Follows a `$ref` to components (once is all the document needs), returning the object and where it is. */
  private resolve(value: Json, pointer: string): [Json, string] {
    if (typeof value?.$ref !== 'string') return [value, pointer];
    const target = (value.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], this.document);
    if (!target) throw new Error(`${pointer}: ${value.$ref} resolves to nothing`);
    return [target, value.$ref];
  }

  private validator(ajv: Ajv, pointer: string): ValidateFunction {
    const key = `${ajv === this.ajv ? 'open' : ajv === this.closedAjv ? 'closed' : 'header'} ${pointer}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = ajv.compile({ $ref: `openapi.json${pointer}` });
      this.compiled.set(key, validate);
    }
    return validate;
  }

  private headerProblems(response: Json, pointer: string, received: Exchange['headers']): string[] {
    const headers = new Map(Object.entries(received).map(([name, value]) => [name.toLowerCase(), value]));
    const problems: string[] = [];
    const declared = new Set<string>();
    for (const [name, header] of Object.entries((response.headers ?? {}) as Json)) {
      declared.add(name.toLowerCase());
      if (name.toLowerCase() === 'content-type') continue; // OpenAPI ignores a declared Content-Type
      const [definition, at] = this.resolve(header as Json, `${pointer}/headers/${pointerPart(name)}`);
      const value = headers.get(name.toLowerCase());
      if (value === undefined) {
        if (definition.required) problems.push(`header ${name} is required but missing`);
        continue;
      }
      if (!definition.schema) continue;
      const holder = { value: Array.isArray(value) ? value.join(', ') : value };
      const validate = this.validator(this.headerAjv, `${at}/schema`);
      if (!validate(holder.value)) problems.push(`header ${name}: ${JSON.stringify(holder.value)} ${describe(validate.errors)}`);
    }
    for (const name of headers.keys()) {
      if (!declared.has(name) && !TRANSPORT_HEADERS.has(name)) problems.push(`header ${name} is sent but not declared for this response`);
    }
    return problems;
  }

  private bodyProblems(response: Json, pointer: string, exchange: Exchange): string[] {
    const content = response.content as Json | undefined;
    const received = exchange.headers[Object.keys(exchange.headers).find((name) => name.toLowerCase() === 'content-type') ?? ''];
    const mediaType = typeof received === 'string' ? essence(received) : '';
    if (!content)
      return exchange.text === '' ? [] : [`a body (${mediaType || 'no Content-Type'}) where the document describes none: ${excerpt(exchange.text)}`];
    const listed = Object.keys(content).find((candidate) => essence(candidate) === mediaType);
    if (!listed) return [`media type ${mediaType || '(none)'} is not one the response lists (${Object.keys(content).join(', ')}): ${excerpt(exchange.text)}`];
    const schemaPointer = `${pointer}/content/${pointerPart(listed)}/schema`;
    if (!content[listed].schema) return [];
    let body: unknown = exchange.text;
    if (isJson(mediaType)) {
      try {
        body = JSON.parse(exchange.text);
      } catch {
        return [`the body is not JSON: ${excerpt(exchange.text)}`];
      }
    }
    const validate = this.validator(this.ajv, schemaPointer);
    if (!validate(body)) return [`body ${describe(validate.errors)}; body: ${excerpt(exchange.text)}`];
    const closed = this.validator(this.closedAjv, schemaPointer);
    if (!closed(body)) return [`body has what the document does not describe: ${describe(closed.errors)}; body: ${excerpt(exchange.text)}`];
    return [];
  }
}

/**
 * Schemas the strict pass leaves open, each with its reason: the document does not close them, and
 * the API can answer with fields they do not name.
 */
const OPEN_SCHEMAS: Record<string, string> = {
  PlatformSettingsResponse:
    'settings stored before this version (test/platforms seeds `legacy_flag` in the database) come back as they are; ' +
    'the document should say so with additionalProperties (libs/platforms, left to its owner)',
};

/** A copy of the document in which every object schema with `properties` admits no other properties. */
function closeObjects(document: Json): Json {
  const close = (value: unknown, key?: string, parent?: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => close(item));
    if (value === null || typeof value !== 'object' || key === 'example' || key === 'examples' || key === 'enum' || key === 'default') return value;
    if (parent === 'schemas' && key !== undefined && key in OPEN_SCHEMAS) return value;
    const copy: Json = Object.fromEntries(Object.entries(value).map(([name, item]) => [name, close(item, name, key)]));
    const isSchema = key !== 'properties' && copy.properties && typeof copy.properties === 'object' && (copy.type === undefined || copy.type === 'object');
    if (isSchema && copy.additionalProperties === undefined) copy.additionalProperties = false;
    return copy;
  };
  return close(document) as Json;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const lines = (errors ?? [])
    // anyOf/oneOf also report each failed branch; the branch errors say more than the summary.
    .filter((error, _, all) => !(error.keyword === 'anyOf' || error.keyword === 'oneOf') || all.length === 1)
    .map((error) => {
      const where = error.instancePath || '(root)';
      const extra = error.keyword === 'additionalProperties' ? ` '${String((error.params as { additionalProperty: string }).additionalProperty)}'` : '';
      return `${where} ${error.message ?? error.keyword}${extra} (${error.schemaPath.replace(/^openapi\.json/, '')})`;
    });
  return [...new Set(lines)].join('; ');
}

const excerpt = (text: string) => (text.length > 400 ? `${text.slice(0, 400)}…` : text);

let shared: OpenApiResponseCheck | undefined;
/** The check against the committed docs/openapi.json, read once per test file. */
export const responseCheck = () => (shared ??= OpenApiResponseCheck.fromFile());

/**
 * Runs the check and throws what it found, so the request that got the response fails its test.
 * With OPENAPI_RESPONSE_REPORT=<file> it appends the findings there instead and throws nothing
 * (to survey a whole run; never set in CI).
 */
export function assertDocumented(exchange: Exchange): void {
  const problems = responseCheck().problems(exchange);
  if (problems.length === 0) return;
  const report = process.env.OPENAPI_RESPONSE_REPORT;
  if (report) {
    appendFileSync(report, problems.map((problem) => `${expect.getState().testPath ?? ''} | ${problem}\n`).join(''));
    return;
  }
  throw new Error(`The response does not match docs/openapi.json:\n  ${problems.join('\n  ')}`);
}
