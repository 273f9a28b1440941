export * from './api-keys';
export * from './credentials-cipher';
