export * from './outbox-message';
export * from './outbox-signal';
export * from './outbox-relay';
