import fs from 'node:fs';
import path from 'node:path';

/**
 * The routes docs/openapi.json documents, with their parameters and request bodies ($refs and
 * single-schema allOf resolved), so security suites cover every route the API says it has.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface JsonSchema {
  type?: string;
  format?: string;
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  pattern?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
}

export interface DocumentedParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: JsonSchema;
}

export interface DocumentedRoute {
  method: HttpMethod;
  /** As documented, e.g. /v1/platforms/{platformId}/end-users. */
  path: string;
  operationId: string;
  pathParams: string[];
  queryParams: DocumentedParameter[];
  headerParams: DocumentedParameter[];
  body: JsonSchema | null;
  /** The key the route takes, or null when it needs none (health, metrics). */
  security: 'platformKey' | 'endUserKey' | null;
  statuses: number[];
}

const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];
const DOCUMENT = path.resolve(__dirname, '../../docs/openapi.json');

type RawSchema = JsonSchema & { $ref?: string; allOf?: RawSchema[]; description?: string; example?: unknown; default?: unknown };

function resolver(document: { components?: { schemas?: Record<string, RawSchema> } }) {
  const resolve = (schema: RawSchema | undefined): JsonSchema => {
    if (!schema) return {};
    if (schema.$ref) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      return resolve(document.components?.schemas?.[name]);
    }
    const { allOf, ...rest } = schema;
    const merged: RawSchema = allOf ? { ...allOf.reduce<JsonSchema>((acc, part) => ({ ...acc, ...resolve(part) }), {}), ...rest } : rest;
    const out: JsonSchema = { ...merged };
    if (merged.properties) out.properties = Object.fromEntries(Object.entries(merged.properties).map(([key, value]) => [key, resolve(value as RawSchema)]));
    if (merged.items) out.items = resolve(merged.items as RawSchema);
    return out;
  };
  return resolve;
}

export function documentedRoutes(): DocumentedRoute[] {
  const document = JSON.parse(fs.readFileSync(DOCUMENT, 'utf8'));
  const resolve = resolver(document);
  const routes: DocumentedRoute[] = [];
  for (const [routePath, operations] of Object.entries<Record<string, any>>(document.paths)) {
    for (const method of METHODS) {
      const operation = operations[method];
      if (!operation) continue;
      const parameters: DocumentedParameter[] = (operation.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, schema: resolve(p.schema) }));
      const schemes = (operation.security ?? []).flatMap((requirement: Record<string, unknown>) => Object.keys(requirement));
      routes.push({
        method,
        path: routePath,
        operationId: operation.operationId,
        pathParams: [...routePath.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
        queryParams: parameters.filter((p) => p.in === 'query'),
        headerParams: parameters.filter((p) => p.in === 'header'),
        body: operation.requestBody ? resolve(operation.requestBody.content?.['application/json']?.schema) : null,
        security: schemes.includes('platformKey') ? 'platformKey' : schemes.includes('endUserKey') ? 'endUserKey' : null,
        statuses: Object.keys(operation.responses ?? {}).map(Number),
      });
    }
  }
  return routes;
}

/** The documented path with its {params} replaced by the given (already encoded) values. */
export function fillPath(route: Pick<DocumentedRoute, 'path'>, values: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for path parameter ${name} of ${route.path}`);
    return values[name];
  });
}

export const routeLabel = (route: Pick<DocumentedRoute, 'method' | 'path'>) => `${route.method.toUpperCase()} ${route.path}`;
