import { ErrorEnvelopeResponse } from '@app/http';
import { getSchemaPath, type HeaderObject, type OpenAPIObject, type OperationObject, type ReferenceObject, type ResponseObject } from '@nestjs/swagger';

/**
 * What the document says beyond what @nestjs/swagger emits from the decorators: facts that hold for
 * every route because something in front of all of them makes them so (the request-id middleware,
 * the JSON body parsers, Node's HTTP parser, the idempotency replay), and OpenAPI 3.0.3's rule for
 * nullable references.
 */

export const REQUEST_ID_HEADER = 'X-Request-Id';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

const HEADERS: Record<string, HeaderObject> = {
  [REQUEST_ID_HEADER]: {
    description:
      "The request's id: the caller's own `X-Request-Id` when it is 1-128 of `A-Z a-z 0-9 . _ : -` (and not key-like), otherwise a new UUID. " +
      'Error envelopes repeat it as `request_id`; the events the request causes carry it.',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', example: '6f1c2b0e-3c1d-4c4f-9a51-2b8f0d2f7a10' },
  },
  [REPLAYED_HEADER]: {
    description:
      'Present (`true`) when this response is the stored answer to an earlier request with the same `Idempotency-Key`, replayed, not executed again.',
    required: false,
    schema: { type: 'string', enum: ['true'] },
  },
};

/**
 * Answers that come from in front of the routes (Node's HTTP parser, the JSON body parsers), so any
 * request can get them whatever route it names; an operation that says more about a status keeps its own.
 */
const FRONT_DOOR: Record<string, { name: string; description: string }> = {
  '400': {
    name: 'MalformedRequest',
    description: 'validation_error: the request is not valid HTTP (e.g. both Content-Length and Transfer-Encoding), or its body is not valid JSON.',
  },
  '413': { name: 'BodyTooLarge', description: 'payload_too_large: the body is over 64 KiB.' },
  '415': {
    name: 'UnsupportedBody',
    description: 'unsupported_media_type: a body that is not UTF-8 JSON (`Content-Type: application/json`, no `Content-Encoding`).',
  },
  '431': {
    name: 'HeadersTooLarge',
    description: 'payload_too_large: the request line and headers together are over 16 KiB (Node refuses them before routing).',
  },
};

const NO_SUCH_ROUTE = 'not_found: no such route (a path the document does not list, or a method it does not list for the path).';

/** Statuses whose answer is never a replay: refused before the key is claimed (401, 403, 415, 431), or about the key itself (409, 422). */
const NEVER_REPLAYED = new Set(['401', '403', '409', '410', '415', '422', '431']);

const OPERATION_METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'] as const;

const headerRef = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });
const responseRef = (name: string): ReferenceObject => ({ $ref: `#/components/responses/${name}` });
const isReference = (value: object): value is ReferenceObject => '$ref' in value;
const errorResponse = (description: string): ResponseObject => ({
  description,
  headers: { [REQUEST_ID_HEADER]: headerRef(REQUEST_ID_HEADER) },
  content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorEnvelopeResponse) } } },
});

function operationsOf(document: OpenAPIObject): { where: string; operation: OperationObject }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    OPERATION_METHODS.flatMap((method) => (item[method] ? [{ where: `${method.toUpperCase()} ${path}`, operation: item[method] }] : [])),
  );
}

export function applyDocumentConventions(document: OpenAPIObject): void {
  const components = (document.components ??= {});
  components.headers = { ...components.headers, ...HEADERS };
  components.responses = {
    ...components.responses,
    ...Object.fromEntries(Object.values(FRONT_DOOR).map(({ name, description }) => [name, errorResponse(description)])),
  };
  // OpenAPI has no place for routes that do not exist; an extension says what they answer, so a
  // client (and the end-to-end suite's response check) need not guess.
  Object.assign(document, {
    'x-unlisted-requests': {
      description:
        'Any request for a path or method not listed under `paths` is answered with one of these (the answers from in front of the routes included).',
      responses: {
        '404': errorResponse(NO_SUCH_ROUTE),
        ...Object.fromEntries(Object.entries(FRONT_DOOR).map(([status, { name }]) => [status, responseRef(name)])),
      },
    },
  });

  for (const { where, operation } of operationsOf(document)) {
    if (!Array.isArray(operation.security)) throw new Error(`${where} declares no security requirement: a key scheme, or security: [] when it needs no key`);
    const responses = operation.responses;
    for (const [status, { name }] of Object.entries(FRONT_DOOR)) responses[status] ??= responseRef(name);
    const idempotent = (operation.parameters ?? []).some(
      (parameter) => !isReference(parameter) && parameter.in === 'header' && parameter.name === 'Idempotency-Key',
    );
    for (const [status, response] of Object.entries(responses)) {
      if (!response || isReference(response)) continue;
      response.headers = { [REQUEST_ID_HEADER]: headerRef(REQUEST_ID_HEADER), ...response.headers };
      if (idempotent && !NEVER_REPLAYED.has(status) && !status.startsWith('5')) response.headers[REPLAYED_HEADER] = headerRef(REPLAYED_HEADER);
    }
  }
  nullableReferences(document);
}

/**
 * In OpenAPI 3.0.3, `nullable: true` adds null to the `type` of its own schema object and to
 * nothing else: beside `allOf: [{$ref}]` (what @nestjs/swagger emits for a nullable model) null
 * still fails the referenced schema, so validators reject every `null` the API sends. The pattern
 * that admits it is `anyOf: [{$ref}, <a schema of null alone>]`; the rest of the property (its
 * description, example) stays beside the `anyOf`.
 */
export const NULL_ONLY = { type: 'object', nullable: true, enum: [null] } as const;

const COMPOSITIONS = ['allOf', 'anyOf', 'oneOf'] as const;
/** Values that are data, not schemas: never rewritten. */
const DATA_KEYWORDS = new Set(['enum', 'example', 'examples', 'default', 'const']);

function nullableReferences(document: OpenAPIObject): void {
  const rewrite = (value: unknown, where: string): void => {
    if (Array.isArray(value)) return value.forEach((item: unknown, index) => rewrite(item, `${where}/${index}`));
    if (value === null || typeof value !== 'object') return;
    const schema = value as Record<string, unknown>;
    if (schema.nullable === true) {
      const composed = COMPOSITIONS.filter((keyword) => keyword in schema);
      if (typeof schema.$ref === 'string' || composed.length > 0) {
        const branches = typeof schema.$ref === 'string' ? [{ $ref: schema.$ref }] : (schema[composed[0]] as unknown[]);
        if (composed.length > 1 || (composed[0] === 'allOf' && branches.length !== 1)) throw new Error(`${where}: cannot make this nullable schema admit null`);
        for (const keyword of ['nullable', '$ref', 'type', ...composed]) delete schema[keyword];
        schema.anyOf = [...branches, { ...NULL_ONLY }];
      } else if (typeof schema.type !== 'string') {
        throw new Error(`${where}: nullable without a type admits nothing more in OpenAPI 3.0.3`);
      }
    }
    for (const [key, item] of Object.entries(schema)) if (!DATA_KEYWORDS.has(key)) rewrite(item, `${where}/${key}`);
  };
  rewrite(document.paths, '#/paths');
  rewrite(document.components, '#/components');
}
