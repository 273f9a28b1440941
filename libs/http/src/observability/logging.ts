import { AppConfig } from '@app/config';
import type { Request } from 'express';
import type { Params } from 'nestjs-pino';

/** A key pasted into a URL is never logged. */
function redactKeys(url: string): string {
  return url.replace(/sk-(eu|plat)_[0-9A-Za-z]*/g, '[redacted]');
}

const PINO_LEVEL: Record<string, string> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/**
 * Structured JSON logs, one line per event, with the request id that also travels in event
 * metadata and Kafka headers. Credentials are redacted; request bodies are never logged.
 */
export function loggingParams(config: Pick<AppConfig, 'LOG_LEVEL'>, service: string): Params {
  return {
    pinoHttp: {
      level: PINO_LEVEL[config.LOG_LEVEL] ?? 'info',
      base: { service },
      messageKey: 'message',
      genReqId: (req) => (req as unknown as Request).requestId ?? 'none',
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'], censor: '[redacted]' },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ request_id: req.id, method: req.method, url: redactKeys(req.url.split('?')[0]) }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    },
  };
}
