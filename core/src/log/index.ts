export * from './level.ts';
export * from './state-log.ts';
