import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * An RFC 3339 timestamp: date, time with seconds, optional fraction and an explicit zone
 * ("Z" or ±HH:MM). A date alone or a time without a zone is ambiguous for a point in time.
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The instant `text` names, in epoch milliseconds, or null unless it is a well-formed timestamp of
 * a real calendar date and time. Date.parse is not used: it rolls 2026-02-30 over to March 2.
 * A fraction finer than milliseconds is truncated, which keeps "at or before" exact for events
 * stored with millisecond precision.
 */
export function parseIsoTimestamp(text: string): number | null {
  const match = TIMESTAMP.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12) return null;
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (match[8]) {
    const offsetHours = Number(match[9]);
    const offsetMins = Number(match[10]);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const instant = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  instant.setUTCFullYear(year, month - 1, day);
  instant.setUTCHours(hour, minute, second, millis);
  return instant.getTime() - offsetMinutes * 60_000;
}

/**
 * A string that parseIsoTimestamp accepts. Registered under the name `matches` so the error
 * detail reads `invalid_format`, like every other malformed value.
 */
export function IsIsoTimestamp(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'matches',
      target: target.constructor,
      propertyName: propertyName as string,
      options: validationOptions,
      validator: { validate: (value: unknown) => typeof value === 'string' && parseIsoTimestamp(value) !== null },
    });
  };
}
