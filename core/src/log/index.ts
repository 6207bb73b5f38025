export * from './correlation.ts';
export * from './level.ts';
export * from './rate-limited.ts';
export * from './state-log.ts';
