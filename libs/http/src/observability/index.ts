export * from './metrics';
export * from './http-metrics.middleware';
export * from './observability.module';
