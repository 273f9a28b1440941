export * from './kafka-admin';
export * from './kafka-connection';
export * from './message-consumer';
export * from './message-publisher';
