export * from './errors.ts';
export type { StoreBackend } from './executor.ts';
export { StoreHealth, type StoreHealthStatus } from './health.ts';
export { MIGRATIONS, type Migration } from './migrations.ts';
export * from './open.ts';
export * from './store.ts';
