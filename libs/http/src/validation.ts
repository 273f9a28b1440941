import { ValidationError } from '@nestjs/common';
import { ApiError, ErrorDetail } from './api-error';

/** A constraint whose violation means "too large" rather than "invalid": answered with 413. */
export const TOO_LARGE_CONSTRAINT = 'tooLarge';

const ISSUE_BY_CONSTRAINT: Record<string, string> = {
  whitelistValidation: 'unknown_field',
  isDefined: 'required',
  isString: 'invalid_type',
  isInt: 'invalid_type',
  isBoolean: 'invalid_type',
  isNumber: 'invalid_type',
  isObject: 'invalid_type',
  isJsonObject: 'invalid_type',
  isUsdAmount: 'invalid_value',
  equals: 'immutable',
  nestedValidation: 'invalid_type',
  maxLength: 'too_long',
  maxCodePoints: 'too_long',
  minCodePoints: 'too_short',
  minLength: 'too_short',
  length: 'invalid_length',
  isNotEmpty: 'too_short',
  matches: 'invalid_format',
  isUuid: 'invalid_format',
  min: 'out_of_range',
  max: 'out_of_range',
  [TOO_LARGE_CONSTRAINT]: 'too_large',
};

function flatten(errors: ValidationError[], parent = ''): { field: string; constraint: string; message: string }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      constraint,
      message: constraint === 'whitelistValidation' ? `${field} is not a known field` : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

export function validationErrorFrom(errors: ValidationError[]): ApiError {
  const problems = flatten(errors);
  const tooLarge = problems.find((problem) => problem.constraint === TOO_LARGE_CONSTRAINT);
  if (tooLarge) return new ApiError('payload_too_large', tooLarge.message, [{ field: tooLarge.field, issue: 'too_large' }]);
  const details: ErrorDetail[] = problems.map((problem) => ({ field: problem.field, issue: ISSUE_BY_CONSTRAINT[problem.constraint] ?? problem.constraint }));
  const message = problems.map((problem) => problem.message).join('; ') || 'Request is invalid';
  return new ApiError('validation_error', message, details);
}
