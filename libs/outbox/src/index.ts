export * from './outbox-record';
export * from './outbox-writer';
export * from './outbox-signal';
export * from './outbox-relay';
export * from './publishing';
export * from './sealed-payload';
