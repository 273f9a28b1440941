import { CodePointLength, IsJsonObject } from '@app/http';
import { applyDecorators } from '@nestjs/common';
import { IsString, ValidateIf } from 'class-validator';

export const MAX_METADATA_BYTES = 16 * 1024;

// applyDecorators applies in list order, i.e. as if written bottom-up; class-validator checks in
// that order and reports only the first failure of a field.

/** `display_name` in any request: 1-100 characters, or null (no name); absent is fine. */
export function DisplayNameRules(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_, value) => value !== null && value !== undefined),
    IsString({ message: 'display_name must be a string or null' }),
    CodePointLength(1, 100, { message: 'display_name must be 1-100 characters' }),
  );
}

/** `metadata` in any request: a JSON object of at most 16 KiB (413 beyond); absent is fine, null is not. */
export function MetadataRules(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_, value) => value !== undefined),
    IsJsonObject({ maxBytes: MAX_METADATA_BYTES }),
  );
}
