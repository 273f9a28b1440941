export * from './end-user-projection';
export * from './end-user-rows';
export * from './end-user-count-shard';
