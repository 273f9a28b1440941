import { json, NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from './api-error';
import { bodyParserError } from './error-mapping';

export const MAX_BODY_BYTES = 64 * 1024;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** A body that is not JSON is refused before parsing: 415, not a confusing validation error. */
function requireJsonContentType(req: Request, _res: Response, next: NextFunction): void {
  if (METHODS_WITH_BODY.has(req.method) && hasBody(req) && !req.is('application/json')) {
    next(new ApiError('unsupported_media_type', 'Request bodies must be JSON (Content-Type: application/json)'));
    return;
  }
  next();
}

/** Body parsing for every app: JSON only, at most 64 KiB; parser errors become ApiErrors before the filter sees them. */
export function jsonBodyParsers(): RequestHandler[] {
  const parse = json({ limit: MAX_BODY_BYTES, strict: true, type: 'application/json' });
  const parseJson: RequestHandler = (req, res, next) =>
    parse(req, res, (error?: unknown) => next(error === undefined ? undefined : (bodyParserError(error) ?? error)));
  return [requireJsonContentType, parseJson];
}
