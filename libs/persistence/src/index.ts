export * from './sql';
export * from './database';
export * from './connection-pool';
export * from './data-source';
export * from './ensure-database';
export * from './migrate';
export * from './database.module';
export * from './statement';
