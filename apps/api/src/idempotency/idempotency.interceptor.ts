import { ApiError, toApiError } from '@app/http';
import { Database } from '@app/persistence';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { from, lastValueFrom, Observable } from 'rxjs';
import { AuthenticatedRequest } from '../auth/principal';
import { isUuid } from '../auth/uuid';
import { ClaimReleaser } from './claim-releaser';
import { IdempotencyStore } from './idempotency-store';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ACCEPTABLE_KEY = /^[\x21-\x7e]{1,255}$/;
const HEADER = 'idempotency-key';
/** Response headers worth replaying with a stored response. */
const REPLAYED_HEADERS = ['etag', 'cache-control'];
/** The route that creates an end user: its path names no user, its response does (`id`). */
const CREATE_END_USER_ROUTE = '/v1/platforms/:platformId/end-users';

/**
 * `Idempotency-Key` on every mutating request of a platform: the first response (success or 4xx)
 * is stored and replayed for the same key and request for 24 hours; the same key with another
 * method, path or body is a 422; a second request while the first is in flight is a 409. A 5xx
 * frees the key so the retry runs again. Keys are scoped to the platform. A stored response that
 * concerns an end user is destroyed when the user is deleted; its key then answers 410.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly releaser: ClaimReleaser,
    private readonly db: Database,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = req.header(HEADER);
    if (!MUTATING.has(req.method) || key === undefined || req.principal?.kind !== 'platform') return next.handle();
    if (!ACCEPTABLE_KEY.test(key)) {
      throw ApiError.validation('Idempotency-Key', 'invalid_format', 'Idempotency-Key must be 1-255 visible ASCII characters');
    }
    return from(this.run(context, next, req.principal.platformId, key));
  }

  private async run(context: ExecutionContext, next: CallHandler, platformId: string, key: string): Promise<unknown> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    await this.releaser.beforeClaim(platformId, key);
    const attempt = randomUUID();
    const claim = await this.store.claim(platformId, key, this.store.fingerprint(req.method, req.path, req.body), attempt).catch((error: unknown) => {
      // The claim may have committed with its acknowledgement lost: free it, or the retries would find it "in progress".
      this.releaser.free(platformId, key, attempt);
      throw error;
    });
    switch (claim.kind) {
      case 'mismatch':
        throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was already used for a different request (method, path or body)');
      case 'in_flight':
        throw new ApiError('conflict', 'A request with this Idempotency-Key is still in progress; retry it later');
      case 'gone':
        throw new ApiError('gone', 'The response stored for this Idempotency-Key concerned an end user who has since been deleted; it is not replayed');
      case 'replay':
        res.status(claim.status);
        for (const [name, value] of Object.entries(claim.headers)) res.setHeader(name, value);
        res.setHeader('Idempotent-Replayed', 'true');
        // Nest keeps the status set here and sends the stored body (an error envelope for a 4xx,
        // answered under this request's id like every other error).
        return withRequestId(claim.body, req.requestId) ?? undefined;
    }
    try {
      // The response is stored in the transaction that commits the request's effects: an answer
      // lost after the commit (a crash, a cut connection) is replayed on retry, never re-executed.
      return await this.db.unitOfWork(async (sql) => {
        const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
        // Nest sets the route's status (@HttpCode, or the handler's own) before the handler runs.
        // complete() throws if another attempt took the key over meanwhile: this one then rolls back.
        const response = { status: res.statusCode, body, headers: replayedHeaders(res), endUserId: endUserConcerned(req, body) };
        await this.store.complete({ platformId, key, attempt }, response, sql);
        return body;
      });
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError && apiError.status < 500 && apiError.code !== 'conflict') {
        // An error envelope holds no end user's data, so it is tied to none (nor, then, erased).
        const response = { status: apiError.status, body: envelopeOf(apiError, req.requestId), headers: {} };
        await this.store.complete({ platformId, key, attempt }, response).catch(() => this.releaser.free(platformId, key, attempt));
      } else {
        this.releaser.free(platformId, key, attempt);
      }
      throw error;
    }
  }
}

/**
 * The end user a successful response concerns: the one in the path, or the one a create answers
 * with. Its DELETE destroys the stored response (idempotent-response-erasure.ts).
 */
function endUserConcerned(req: AuthenticatedRequest, body: unknown): string | null {
  const created = req.method === 'POST' && req.route?.path === CREATE_END_USER_ROUTE ? (body as { id?: unknown } | undefined)?.id : undefined;
  const endUserId: unknown = req.params.endUserId ?? created;
  return isUuid(endUserId) ? endUserId.toLowerCase() : null;
}

function replayedHeaders(res: Response): Record<string, string> {
  return Object.fromEntries(REPLAYED_HEADERS.flatMap((name) => (res.getHeader(name) === undefined ? [] : [[name, String(res.getHeader(name))]])));
}

function withRequestId(body: unknown, requestId: string | undefined): unknown {
  const error = (body as { error?: { request_id?: unknown } } | null)?.error;
  return error && requestId ? { error: { ...error, request_id: requestId } } : body;
}

function envelopeOf(error: ApiError, requestId: string | undefined) {
  return { error: { code: error.code, message: error.message, details: error.details, request_id: requestId ?? null } };
}
