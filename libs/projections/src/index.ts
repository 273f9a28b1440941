export * from './stream-folder';
export * from './rebuild-projection';
export * from './projection-status';
export * from './read-models';
export { ALL_STREAMS, StreamRange, streamRanges, writeExpectedRows } from './fold-streams';
export * from './range-fold';
