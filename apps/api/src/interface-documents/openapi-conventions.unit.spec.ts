import type { OpenAPIObject } from '@nestjs/swagger';
import { applyDocumentConventions, NULL_ONLY } from './openapi-conventions';

type Json = Record<string, any>;

function documentOf(operation: Json, schemas: Json = {}): OpenAPIObject {
  return {
    openapi: '3.0.3',
    info: { title: 't', version: '1' },
    paths: { '/things': { post: operation } },
    components: { schemas },
  } as unknown as OpenAPIObject;
}

const ok = { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } };

describe('applyDocumentConventions', () => {
  it('turns a nullable reference (nullable beside allOf, as @nestjs/swagger writes it) into anyOf [$ref, null], keeping its description', () => {
    const document = documentOf(
      { security: [], responses: { '200': ok } },
      {
        Thing: {
          type: 'object',
          properties: {
            budget: { nullable: true, type: 'object', description: 'or null', allOf: [{ $ref: '#/components/schemas/Budget' }] },
            name: { type: 'string', nullable: true },
          },
        },
      },
    );
    applyDocumentConventions(document);
    const properties = (document.components!.schemas!.Thing as Json).properties;
    expect(properties.budget).toEqual({ description: 'or null', anyOf: [{ $ref: '#/components/schemas/Budget' }, NULL_ONLY] });
    expect(properties.name).toEqual({ type: 'string', nullable: true });
  });

  it('refuses a nullable schema without a type (it admits nothing more in 3.0.3) and an operation with no security requirement', () => {
    expect(() => applyDocumentConventions(documentOf({ security: [], responses: { '200': ok } }, { Thing: { nullable: true, enum: ['a'] } }))).toThrow(
      'nullable without a type',
    );
    expect(() => applyDocumentConventions(documentOf({ responses: { '200': ok } }))).toThrow('POST /things declares no security requirement');
  });

  it('declares X-Request-Id on every response, the answers from in front of the routes, and Idempotent-Replayed where a replay can answer', () => {
    const idempotent = { in: 'header', name: 'Idempotency-Key', required: false };
    const document = documentOf({
      security: [],
      parameters: [idempotent],
      responses: { '200': ok, '400': { description: 'own 400' }, '409': { description: 'in flight' }, '500': { description: 'oops' } },
    });
    applyDocumentConventions(document);
    const responses = document.paths['/things'].post!.responses as Json;
    expect(Object.keys(responses).sort()).toEqual(['200', '400', '409', '413', '415', '431', '500']);
    expect(responses['400'].description).toBe('own 400');
    expect(responses['413']).toEqual({ $ref: '#/components/responses/BodyTooLarge' });
    const headersOf = (status: string) => Object.keys(responses[status].headers ?? {});
    expect(['200', '400', '409', '500'].map(headersOf)).toEqual([
      ['X-Request-Id', 'Idempotent-Replayed'],
      ['X-Request-Id', 'Idempotent-Replayed'],
      ['X-Request-Id'],
      ['X-Request-Id'],
    ]);
    expect((document as Json)['x-unlisted-requests'].responses['404'].description).toMatch(/^not_found/);
  });
});
