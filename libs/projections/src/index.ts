export * from './stream-folder';
export * from './rebuild-projection';
export * from './projection-status';
export * from './read-models';
export { StreamRange, writeExpectedRows } from './fold-streams';
export * from './range-fold';
