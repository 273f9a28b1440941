import { InvalidArgumentError } from 'commander';

/**
 * Parsers for option values. Each throws commander's InvalidArgumentError, which commander reports
 * as a usage error (exit code 2) naming the option, before any command runs.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID, lower-cased; `what` names it in the error ("a platform id"). */
export function uuid(what: string): (value: string) => string {
  return (value) => {
    if (!UUID.test(value)) throw new InvalidArgumentError(`must be ${what} (UUID)`);
    return value.toLowerCase();
  };
}

/** A global position in the event store. */
export function position(value: string): bigint {
  if (!/^\d{1,18}$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer position');
  return BigInt(value);
}

/** A whole number from 1 to `max`. */
export function countUpTo(max: number): (value: string) => number {
  return (value) => {
    if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return Number(value);
  };
}
