import { isConnectionFailure } from '@app/persistence';
import { HttpException } from '@nestjs/common';
import { ApiError, ErrorCode } from './api-error';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_error',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'not_found',
  409: 'conflict',
  410: 'gone',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** Errors of other layers that know nothing of HTTP register how they map here (domain rules, concurrency). */
type ErrorTranslator = (error: unknown) => ApiError | undefined;
const translators: ErrorTranslator[] = [];

export function registerErrorTranslator(translator: ErrorTranslator): void {
  translators.push(translator);
}

/**
 * Connection-level failures of PostgreSQL, and its deadline (statement_timeout on the server): the
 * request may succeed once the database is back. Broken connections and the client's query_timeout
 * are persistence's isConnectionFailure.
 */
const UNAVAILABLE_PG_CODES = new Set(['57P01', '57P02', '57P03', '57014', '53300', '08000', '08001', '08003', '08004', '08006']);

function isDatabaseUnavailable(error: unknown): boolean {
  const candidate = (error as { driverError?: unknown })?.driverError ?? error;
  const code = (candidate as { code?: unknown })?.code;
  if (isConnectionFailure(candidate) || (typeof code === 'string' && (UNAVAILABLE_PG_CODES.has(code) || code === 'ENOTFOUND'))) return true;
  const message = candidate instanceof Error ? candidate.message : '';
  return /timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

export function bodyParserError(error: unknown): ApiError | undefined {
  return fromBodyParser(error as BodyParserError);
}

function fromBodyParser(error: BodyParserError): ApiError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new ApiError('payload_too_large', 'Request body is larger than 64 KiB');
    case 'entity.parse.failed':
      return new ApiError('validation_error', 'Request body is not valid JSON', [{ field: 'body', issue: 'malformed_json' }]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('unsupported_media_type', 'Request body must be UTF-8 encoded JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new ApiError('validation_error', 'Request body could not be read');
    default:
      // Any other refusal of the body parser (e.g. a Content-Encoding whose body does not decode).
      if (typeof error.status === 'number' && error.status >= 400 && error.status < 500 && error.expose) {
        return new ApiError(CODE_BY_STATUS[error.status] ?? 'validation_error', 'Request body could not be read');
      }
      return undefined;
  }
}

/** Any thrown value to the ApiError the client sees; `null` means an unexpected failure (500, logged). */
export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  for (const translate of translators) {
    const translated = translate(error);
    if (translated) return translated;
  }
  const fromParser = fromBodyParser(error as BodyParserError);
  if (fromParser) return fromParser;
  if (error instanceof URIError) return new ApiError('validation_error', 'Request path is not correctly percent-encoded');
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_STATUS[status];
    if (code === 'not_found') return new ApiError('not_found', 'No such route');
    if (code) return new ApiError(code, error.message);
    return status >= 500 ? null : new ApiError('validation_error', error.message);
  }
  if (isDatabaseUnavailable(error)) return new ApiError('service_unavailable', 'The service is temporarily unavailable; retry shortly');
  return null;
}
