export * from './config';
export * from './app-config.token';
