export * from './config';
export * from './app-config.token';
export * from './secret-keys';
