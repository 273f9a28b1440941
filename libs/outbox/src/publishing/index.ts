export * from './integration-events';
export * from './republish';
