export * from './check-checkpoint.ts';
export * from './config.ts';
export * from './log-witness.ts';
