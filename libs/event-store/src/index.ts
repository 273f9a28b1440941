export * from './stored-event';
export * from './event-store';
