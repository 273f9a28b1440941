export * from './platforms';
export * from './platform.response';
