export * from './config.ts';
export * from './signature.ts';
export * from './store.ts';
