export * from './end-user-events';
export * from './validate-integration-event';
