import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi';

/**
 * A client as a platform team would write it: openapi-fetch typed by openapi-typescript's output
 * for docs/openapi.json (./openapi.d.ts), nothing hand-written about the API's shapes. The typed
 * client test compiles this file with tsc and drives the running API with it.
 */

export type EndUser = components['schemas']['EndUserResponse'];
export type CreatedEndUser = components['schemas']['CreatedEndUserResponse'];
export type Budget = components['schemas']['BudgetResponse'];
export type ErrorEnvelope = components['schemas']['ErrorEnvelopeResponse'];

/** What a call gave: the typed body (or the typed error envelope) and the headers a client acts on. */
export interface Answer<T> {
  status: number;
  data?: T;
  error?: ErrorEnvelope;
  etag: string | null;
  requestId: string | null;
}

export function endUsersClient(baseUrl: string, platformKey: string, ...middleware: Middleware[]) {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${platformKey}` } });
  client.use(...middleware);
  const answer = <T>(result: { data?: T; error?: ErrorEnvelope; response: Response }): Answer<T> => ({
    status: result.response.status,
    data: result.data,
    error: result.error,
    etag: result.response.headers.get('ETag'),
    requestId: result.response.headers.get('X-Request-Id'),
  });

  return {
    async create(platformId: string, body: components['schemas']['CreateEndUserRequest'], idempotencyKey?: string): Promise<Answer<CreatedEndUser>> {
      return answer(
        await client.POST('/v1/platforms/{platformId}/end-users', {
          params: { path: { platformId }, header: idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey } },
          body,
        }),
      );
    },

    async get(platformId: string, endUserId: string): Promise<Answer<EndUser>> {
      return answer(await client.GET('/v1/platforms/{platformId}/end-users/{endUserId}', { params: { path: { platformId, endUserId } } }));
    },

    async update(platformId: string, endUserId: string, changes: components['schemas']['UpdateEndUserRequest'], ifMatch?: string): Promise<Answer<EndUser>> {
      return answer(
        await client.PATCH('/v1/platforms/{platformId}/end-users/{endUserId}', {
          params: { path: { platformId, endUserId }, header: ifMatch === undefined ? {} : { 'If-Match': ifMatch } },
          body: changes,
        }),
      );
    },

    async list(platformId: string, query: { page?: number; limit?: number; external_id?: string } = {}) {
      return answer(await client.GET('/v1/platforms/{platformId}/end-users', { params: { path: { platformId }, query } }));
    },
  };
}

/** The document says a create's budget may be null (a platform without a default budget): this compiles only if it does. */
export const NO_BUDGET: CreatedEndUser['budget'] = null;

export function budgetOf(created: CreatedEndUser): Budget | null {
  return created.budget;
}
