export * from './sql';
export * from './transaction';
export * from './data-source';
export * from './database';
export * from './migrate';
export * from './database.module';
export * from './statement';
