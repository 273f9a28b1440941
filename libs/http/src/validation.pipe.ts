import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { ApiError } from './api-error';
import { findUnstorableText, MAX_JSON_DEPTH } from './storable-text';
import { validationErrorFrom } from './validation';

/**
 * Validation for every route: unknown fields are refused, nothing is coerced implicitly
 * (DTOs convert query strings themselves), and text PostgreSQL cannot store is refused.
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: validationErrorFrom,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (value === undefined) value = {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new ApiError('validation_error', 'Request body must be a JSON object', [{ field: 'body', issue: 'invalid_type' }]);
      }
    }
    const problem = findUnstorableText(value);
    if (problem) {
      const field = problem.path || (metadata.data ?? metadata.type);
      const message =
        problem.issue === 'too_deep'
          ? `${field} is nested deeper than ${MAX_JSON_DEPTH} levels`
          : `${field} contains a character that cannot be stored (NUL or an unpaired surrogate)`;
      throw ApiError.validation(field, problem.issue, message);
    }
    this.refuseUnknownKeys(value, metadata);
    return super.transform(value, metadata);
  }

  /**
   * class-transformer silently drops keys such as __proto__, constructor or toString before
   * class-validator's whitelist sees them; a client sending one still deserves a 400.
   */
  private refuseUnknownKeys(value: unknown, metadata: ArgumentMetadata): void {
    if ((metadata.type !== 'body' && metadata.type !== 'query') || !metadata.metatype || value === null || typeof value !== 'object') return;
    const known = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(metadata.metatype, '', true, false)
        .map((rule) => rule.propertyName),
    );
    if (known.size === 0) return;
    const unknown = Object.keys(value).filter((key) => !known.has(key));
    if (unknown.length > 0) {
      throw new ApiError(
        'validation_error',
        unknown.map((key) => `${key} is not a known field`).join('; '),
        unknown.map((field) => ({ field, issue: 'unknown_field' })),
      );
    }
  }
}
