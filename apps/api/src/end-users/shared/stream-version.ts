import { ApiError } from '@app/http';
import type { Response } from 'express';

/** A response body with the stream version it reflects (null for a historical read). */
export interface Versioned<T> {
  body: T;
  version: number | null;
}

/** The end user's stream version is its entity tag: `"3"`. */
export function setEtag(res: Response, version: number | null): void {
  if (version !== null) res.setHeader('ETag', `"${version}"`);
}

/** The version an `If-Match` header demands; undefined when there is none (or `*`, any version). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"([1-9]\d{0,8})"\s*$/.exec(header);
  if (!match) throw ApiError.validation('If-Match', 'invalid_format', 'If-Match must be an ETag this API returned, e.g. "3"');
  return Number(match[1]);
}
