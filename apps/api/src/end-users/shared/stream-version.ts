import { StreamVersionConflict } from '@app/event-store';
import { ApiError, registerErrorTranslator } from '@app/http';
import type { Response } from 'express';
import { retryOnConflict } from './retry-on-conflict';

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

/** The client's `If-Match` names a version the end user is no longer at. */
export class StaleVersion extends Error {
  constructor(readonly currentVersion: number) {
    super(`The end user is at version ${currentVersion}, not the one in If-Match`);
  }
}

registerErrorTranslator((error) =>
  error instanceof StaleVersion
    ? new ApiError('precondition_failed', error.message, [{ field: 'If-Match', issue: 'stale_version', current_version: error.currentVersion }])
    : undefined,
);

/** Fails unless a loaded stream is at the version the client expects (when it expects one). */
export function requireVersion(loadedVersion: number, expected: number | undefined, exists: boolean): void {
  if (expected !== undefined && exists && loadedVersion !== expected) throw new StaleVersion(loadedVersion);
}

/**
 * Without an expected version every accepted write becomes its own event, a lost race is retried
 * on fresh state. With one, a race lost after the check is the client's precondition failing: 412.
 */
export function writeAtVersion<T>(expected: number | undefined, attempt: () => Promise<T>, currentVersion: () => Promise<number>): Promise<T> {
  if (expected === undefined) return retryOnConflict(attempt);
  return attempt().catch(async (error: unknown) => {
    if (error instanceof StreamVersionConflict) throw new StaleVersion(await currentVersion());
    throw error;
  });
}
