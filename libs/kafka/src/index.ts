export * from './kafka-connection';
export * from './message-publisher';
