export * from './client.ts';
export * from './config.ts';
export * from './cosigner.ts';
export * from './errors.ts';
export * from './metrics.ts';
