import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const LOOKS_LIKE_A_KEY = /sk-(eu|plat)_/i;

declare module 'express-serve-static-core' {
  interface Request {
    requestId?: string;
  }
}

/** Takes the caller's X-Request-Id when it is sane, otherwise makes one; echoes it on the response. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const offered = req.header(REQUEST_ID_HEADER);
  // A key pasted into the header must not become a request id: it is logged, stored and published.
  req.requestId = offered && ACCEPTABLE_REQUEST_ID.test(offered) && !LOOKS_LIKE_A_KEY.test(offered) ? offered : randomUUID();
  res.setHeader('X-Request-Id', req.requestId);
  next();
}
