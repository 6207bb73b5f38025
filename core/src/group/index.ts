export * from './config.ts';
export * from './store.ts';
