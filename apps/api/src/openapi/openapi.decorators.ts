import { ErrorCode, ErrorEnvelopeResponse, STATUS_OF } from '@app/http';
import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiParam, ApiResponse, ApiTags, type HeadersObject } from '@nestjs/swagger';

/** The two bearer schemes of the document (see openapi.ts), applied per route. */
export const PLATFORM_KEY_SCHEME = 'platformKey';
export const END_USER_KEY_SCHEME = 'endUserKey';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 412 | 413 | 415 | 422 | 500 | 503;

/** What each status means in general, with an example envelope as the filter renders it. */
const ERRORS: Record<ErrorStatus, { description: string; message: string; details?: { field: string; issue: string }[] }> = {
  400: {
    description: 'validation_error: a malformed path id, query parameter or body (unknown fields included).',
    message: 'external_id must be 1-255 characters',
    details: [{ field: 'external_id', issue: 'too_long' }],
  },
  401: {
    description: 'unauthorized: the bearer key is missing, malformed, unknown, revoked or expired.',
    message: 'A valid API key is required (Authorization: Bearer <key>)',
  },
  403: { description: 'forbidden: a valid key of the wrong kind for this route.', message: 'This route needs a platform key (sk-plat_...)' },
  404: { description: 'not_found: no such resource on this platform.', message: 'End user was not found' },
  409: { description: 'conflict: a concurrent write kept winning; retry the request.', message: 'The end user was changed concurrently; retry the request' },
  410: {
    description:
      'gone: the response stored for this `Idempotency-Key` concerned an end user who has since been deleted. It was destroyed with the ' +
      "user's data: it is not replayed and the request is not run again, whatever its body. The key is free again once its 24 hours are over.",
    message: 'The response stored for this Idempotency-Key concerned an end user who has since been deleted; it is not replayed',
  },
  412: {
    description: 'precondition_failed: `If-Match` names a version the end user is no longer at; `details[0].current_version` is the current one.',
    message: 'The end user is at version 4, not the one in If-Match',
    details: [{ field: 'If-Match', issue: 'stale_version' }],
  },
  413: { description: 'payload_too_large: the body is over 64 KiB.', message: 'Request body is larger than 64 KiB' },
  415: {
    description: 'unsupported_media_type: a body that is not UTF-8 JSON (Content-Type: application/json).',
    message: 'Request bodies must be JSON (Content-Type: application/json)',
  },
  422: {
    description: 'idempotency_key_reused: this `Idempotency-Key` was already used for a different request (method, path or body).',
    message: 'This Idempotency-Key was already used for a different request (method, path or body)',
  },
  500: { description: 'internal_error: an unexpected failure, logged under the request id.', message: 'An unexpected error occurred' },
  503: {
    description: 'service_unavailable: the database is unreachable; retry after `Retry-After` seconds.',
    message: 'The service is temporarily unavailable; retry shortly',
  },
};

const CODE_OF = Object.fromEntries(Object.entries(STATUS_OF).map(([code, status]) => [status, code])) as Record<number, ErrorCode>;

/**
 * Error responses in the one envelope. A description given here replaces the general one, so a
 * route can say what exactly a status means for it.
 */
export function ApiErrorResponses(descriptions: Partial<Record<ErrorStatus, string | true>>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(descriptions).map(([key, text]) => {
      const status = Number(key) as ErrorStatus;
      const error = ERRORS[status];
      return ApiResponse({
        status,
        description: text === true ? error.description : text,
        type: ErrorEnvelopeResponse,
        example: { error: { code: CODE_OF[status], message: error.message, details: error.details ?? [], request_id: '6f1c2b0e-3c1d-4c4f-9a51-2b8f0d2f7a10' } },
        ...(status === 503 && { headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', example: 1 } } } }),
      });
    }),
  );
}

/** Management routes under /v1/platforms/{platformId}: a platform key of that very platform. */
export function ApiPlatformRoutes(tag: string): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiBearerAuth(PLATFORM_KEY_SCHEME),
    ApiParam({
      name: 'platformId',
      type: String,
      format: 'uuid',
      description: 'The platform; must be the one the key belongs to.',
      example: '5d2c7e1a-1f3b-4c8e-8a0d-6b9e2f4a7c31',
    }),
    ApiErrorResponses({
      400: true,
      401: true,
      403: 'forbidden: an end-user key, or a platform key of another platform.',
      500: true,
      503: true,
    }),
  );
}

/** Self-service routes under /v1/me: an end-user key of an active user. */
export function ApiSelfServiceRoutes(): ClassDecorator {
  return applyDecorators(
    ApiTags('Self-service'),
    ApiBearerAuth(END_USER_KEY_SCHEME),
    ApiErrorResponses({
      401: 'unauthorized: the bearer key is missing, malformed, unknown, revoked or expired, or its end user was deleted or deactivated.',
      403: 'forbidden: a platform key (this route needs an end-user key).',
      500: true,
      503: true,
    }),
  );
}

export function ApiEndUserIdParam(): MethodDecorator & ClassDecorator {
  return ApiParam({
    name: 'endUserId',
    type: String,
    format: 'uuid',
    description: "The end user (another platform's user is a 404, exactly like a missing one).",
    example: '0b9f5a8e-6d1c-4a57-9a55-3a1e4c1f2b7d',
  });
}

/** What the body parsing in front of every route with a request body can answer. */
export function ApiJsonBodyErrors(tooLarge = 'payload_too_large: the body is over 64 KiB.'): MethodDecorator & ClassDecorator {
  return ApiErrorResponses({ 413: tooLarge, 415: true });
}

/**
 * Every mutating platform route takes an optional `Idempotency-Key`: the first response is stored
 * for 24 hours and replayed (with `Idempotent-Replayed: true`) for the same key and request.
 */
export function ApiIdempotencyKey(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 255 visible ASCII characters. The first response to a request with this key (success or 4xx) is stored for 24 hours and replayed ' +
        'for a retry of the same request, with the header `Idempotent-Replayed: true`. Scoped to the platform. A stored response that concerns ' +
        'an end user is destroyed when that user is deleted, and the key then answers 410. The key is stored as sent: use a random value ' +
        '(e.g. a UUID), never personal data.',
    }),
    ApiErrorResponses({
      409: 'conflict: a request with the same `Idempotency-Key` is still in flight, or this attempt outlived its hold on the key and another took it over (or a concurrent write kept winning); retry the request.',
      410: true,
      422: true,
    }),
  );
}

/**
 * The `ETag` of a response that holds an end user: its stream version, quoted. `required: false`
 * where a response may come without one (a historical read has no current version).
 */
export function etagHeader(required = true): HeadersObject {
  return {
    ETag: {
      description: 'The end user\'s version (its event stream\'s), e.g. `"3"`: send it back in `If-Match` to make a write conditional.',
      required,
      schema: { type: 'string', pattern: '^"[1-9][0-9]*"$', example: '"3"' },
    },
  };
}

/** Optimistic concurrency on an end user: its `ETag` is the stream version; `If-Match` makes a write conditional. */
export function ApiIfMatch(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'An `ETag` this API returned for the end user (e.g. `"3"`). The write applies only if the user is still at that version; otherwise 412.',
    }),
    ApiErrorResponses({ 412: true }),
  );
}
