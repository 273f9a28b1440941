import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { ApiError, ErrorEnvelope } from './api-error';
import { toApiError } from './error-mapping';

/** Renders every failure, expected or not, in the one error envelope. Nothing internal leaks. */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const requestId = req.requestId ?? randomUUID();
    let error = toApiError(exception);
    if (!error) {
      this.logger.error(
        `unexpected failure on ${req.method} ${req.route?.path ?? 'unmatched route'} request_id=${requestId}: ${exception instanceof Error ? exception.stack : String(exception)}`,
      );
      error = new ApiError('internal_error', 'An unexpected error occurred');
    }
    if (res.headersSent) return;
    // Refused before routing (body parser, content type): the access logger never saw this request.
    if (!(req as Request & { log?: unknown }).log) {
      this.logger.warn(
        `request refused before routing: ${req.method} ${req.path.replace(/sk-(eu|plat)_[0-9A-Za-z]*/g, '[redacted]')} -> ${error.status} ${error.code} request_id=${requestId}`,
      );
    }
    const envelope: ErrorEnvelope = { error: { code: error.code, message: error.message, details: error.details, request_id: requestId } };
    if (error.code === 'service_unavailable') res.setHeader('Retry-After', '1');
    // Set here: a route's own Content-Type (e.g. /metrics) must not label the envelope.
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.status(error.status).json(envelope);
  }
}
