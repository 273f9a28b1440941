import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Server } from 'node:http';
import request, { Response } from 'supertest';
import { bearer } from './api';
import { TestPlatform } from './database';

/** The fields of an end user as the contract lists them, and nothing else. */
export const END_USER_FIELDS = ['created_at', 'display_name', 'external_id', 'id', 'is_active', 'metadata', 'platform_id', 'updated_at'].sort();

/** The fields of an end-user key object (platform-api.md "End-user API keys") plus raw_key on creation. */
export const CREATED_KEY_FIELDS = [
  'created_at',
  'end_user_id',
  'expires_at',
  'id',
  'is_active',
  'key_prefix',
  'last_used_at',
  'name',
  'platform_id',
  'raw_key',
  'scopes',
].sort();

export const BUDGET_FIELDS = [
  'auto_replenish',
  'created_at',
  'end_user_id',
  'id',
  'is_active',
  'is_suspended',
  'low_balance_threshold',
  'max_usd',
  'period',
  'period_start',
  'platform_id',
  'remaining_usd',
  'replenish_amount',
  'updated_at',
  'used_usd',
].sort();

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
export const END_USER_RAW_KEY = /^sk-eu_[0-9a-f]{64}$/;

/** Things that only appear in a response when internals leak: stack frames, file paths, SQL, driver errors. */
const LEAK_PATTERNS: RegExp[] = [
  /\bat [\w$.<>]+ \(/, // a stack frame "at fn ("
  /\bat (async )?[^\s]+:\d+:\d+/, // "at /path/file.js:1:2"
  /node_modules/,
  /\.(ts|js):\d+/,
  /\bSELECT\b[\s\S]*\bFROM\b/i,
  /\bINSERT INTO\b/i,
  /\bQueryFailedError\b/,
  /\bstack\b["']?\s*:/i,
  /duplicate key value/i,
  /violates .* constraint/i,
];

export function expectNoLeak(res: Response): void {
  const text = res.text ?? '';
  for (const pattern of LEAK_PATTERNS) {
    expect({ pattern: pattern.source, leaked: pattern.test(text) }).toEqual({ pattern: pattern.source, leaked: false });
  }
}

/**
 * The one error envelope (platform-api.md "Errors"): exactly { error: { code, message, details, request_id } },
 * request_id echoed as X-Request-Id, details a list of { field, issue }, no internals.
 */
export function expectError(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(Object.keys(res.body.error).sort()).toEqual(['code', 'details', 'message', 'request_id']);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(Array.isArray(res.body.error.details)).toBe(true);
  for (const detail of res.body.error.details) {
    expect(typeof detail.field).toBe('string');
    expect(typeof detail.issue).toBe('string');
  }
  expect(typeof res.body.error.request_id).toBe('string');
  expect(res.body.error.request_id.length).toBeGreaterThan(0);
  expect(res.headers['x-request-id']).toBe(res.body.error.request_id);
  expectNoLeak(res);
}

/** A validation error that names `field` in its details (when the app says which field it was). */
export function expectValidationError(res: Response, field?: string): void {
  expectError(res, 400, 'validation_error');
  if (field !== undefined) {
    expect(res.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
  }
}

export function expectEndUserShape(body: Record<string, unknown>): void {
  expect(Object.keys(body).sort()).toEqual(END_USER_FIELDS);
  expect(body.id).toMatch(UUID);
  expect(body.platform_id).toMatch(UUID);
  expect(typeof body.external_id).toBe('string');
  expect(body.display_name === null || typeof body.display_name === 'string').toBe(true);
  expect(body.metadata).not.toBeNull();
  expect(typeof body.metadata).toBe('object');
  expect(Array.isArray(body.metadata)).toBe(false);
  expect(typeof body.is_active).toBe('boolean');
  expect(body.created_at).toMatch(ISO_TIMESTAMP);
  expect(body.updated_at).toMatch(ISO_TIMESTAMP);
}

/** Only the user fields of a create response, to compare with a read. */
export function userPart(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(END_USER_FIELDS.map((field) => [field, body[field]]));
}

export const uniqueId = (prefix = 'user') => `${prefix}-${randomUUID()}`;

export const sha256Hex = (raw: string) => createHash('sha256').update(raw, 'utf8').digest('hex');

/** A well-formed key of either kind that no one was ever issued. */
export const unknownEndUserKey = () => `sk-eu_${randomBytes(32).toString('hex')}`;
export const unknownPlatformKey = () => `sk-plat_${randomBytes(32).toString('hex')}`;

/** Small HTTP vocabulary over supertest for one platform. */
export class PlatformClient {
  constructor(
    readonly server: Server,
    readonly platform: TestPlatform,
  ) {}

  get base(): string {
    return `/v1/platforms/${this.platform.id}`;
  }

  create(body: unknown): Promise<Response> {
    return request(this.server)
      .post(`${this.base}/end-users`)
      .set(bearer(this.platform.key))
      .send(body as object);
  }

  async createOk(externalId = uniqueId(), extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const res = await this.create({ external_id: externalId, ...extra });
    if (res.status !== 201) throw new Error(`expected 201 creating ${externalId}, got ${res.status}: ${res.text}`);
    return res.body;
  }

  list(query: string | Record<string, string | number> = ''): Promise<Response> {
    const req = request(this.server).get(`${this.base}/end-users`).set(bearer(this.platform.key));
    if (typeof query === 'string') return query ? request(this.server).get(`${this.base}/end-users?${query}`).set(bearer(this.platform.key)) : req;
    return req.query(query);
  }

  get(endUserId: string): Promise<Response> {
    return request(this.server).get(`${this.base}/end-users/${endUserId}`).set(bearer(this.platform.key));
  }

  patch(endUserId: string, body: unknown): Promise<Response> {
    return request(this.server)
      .patch(`${this.base}/end-users/${endUserId}`)
      .set(bearer(this.platform.key))
      .send(body as object);
  }

  delete(endUserId: string): Promise<Response> {
    return request(this.server).delete(`${this.base}/end-users/${endUserId}`).set(bearer(this.platform.key));
  }

  getPlatform(): Promise<Response> {
    return request(this.server).get(this.base).set(bearer(this.platform.key));
  }

  patchPlatform(body: unknown): Promise<Response> {
    return request(this.server)
      .patch(this.base)
      .set(bearer(this.platform.key))
      .send(body as object);
  }
}

export function me(server: Server, key: string): Promise<Response> {
  return request(server).get('/v1/me').set(bearer(key));
}

/** Sends a raw string body with an explicit Content-Type, byte for byte. */
export function sendRaw(
  server: Server,
  method: 'post' | 'patch',
  path: string,
  key: string,
  body: string | Buffer,
  contentType = 'application/json',
): Promise<Response> {
  return request(server)[method](path).set(bearer(key)).set('Content-Type', contentType).send(body);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first instant of the UTC calendar month that `at` falls in. */
export function startOfUtcMonthIso(at: Date): string {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)).toISOString();
}
