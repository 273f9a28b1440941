import type { NextFunction, Request, Response } from 'express';
import { httpRequestDuration } from './metrics';

/** Observes every request's latency under its route pattern (never the raw path, which holds ids). */
export function httpMetricsMiddleware(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const route = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path as string}` : 'unmatched';
    httpRequestDuration.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
  });
  next();
}
