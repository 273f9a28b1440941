export * from './platforms';
export * from './platform.response';
export * from './keys';
