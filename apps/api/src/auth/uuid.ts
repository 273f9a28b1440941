import { ApiError } from '@app/http';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Path ids are UUIDs; anything else is a 400 naming the parameter, never a database error. */
export function requireUuid(value: unknown, field: string): string {
  if (!isUuid(value)) throw ApiError.validation(field, 'invalid_format', `${field} must be a UUID`);
  return value.toLowerCase();
}
