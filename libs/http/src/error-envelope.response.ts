import { ApiProperty } from '@nestjs/swagger';
import { ErrorCode, ErrorDetail, ErrorEnvelope, STATUS_OF } from './api-error';

/** The OpenAPI description of the one error envelope that ErrorEnvelopeFilter renders. */
export class ErrorDetailResponse implements ErrorDetail {
  @ApiProperty({ description: 'The offending field, query parameter, path parameter or `body`; nested fields are dotted.', example: 'external_id' })
  field!: string;

  @ApiProperty({ description: 'What is wrong with it, e.g. `required`, `invalid_type`, `too_long`, `unknown_field`, `invalid_format`.', example: 'too_long' })
  issue!: string;

  @ApiProperty({
    required: false,
    description: 'With issue `stale_version` (412 on a stale `If-Match`): the stream version the end user is at now.',
    example: 4,
  })
  current_version?: number;
}

export class ErrorBodyResponse {
  @ApiProperty({
    enum: Object.keys(STATUS_OF),
    enumName: 'ErrorCode',
    description: 'Stable machine-readable code; one per HTTP status.',
    example: 'validation_error',
  })
  code!: ErrorCode;

  @ApiProperty({ description: 'Human-readable explanation. Never holds stack traces or SQL.', example: 'external_id must be 1-255 characters' })
  message!: string;

  @ApiProperty({ type: [ErrorDetailResponse], description: 'One entry per offending field; empty when the error concerns no field.' })
  details!: ErrorDetailResponse[];

  @ApiProperty({
    description: 'The request id, also sent as the `X-Request-Id` response header; quote it when reporting a problem.',
    example: '6f1c2b0e-3c1d-4c4f-9a51-2b8f0d2f7a10',
  })
  request_id!: string;
}

export class ErrorEnvelopeResponse implements ErrorEnvelope {
  @ApiProperty({ type: ErrorBodyResponse })
  error!: ErrorBodyResponse;
}
