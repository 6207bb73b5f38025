export * from './assertion.ts';
export * from './config.ts';
export * from './registration.ts';
