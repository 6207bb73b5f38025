export * from './errors.ts';
export * from './token/index.ts';
export * from './tls/index.ts';
export * from './rpc/index.ts';
export * from './group/index.ts';
export * from './atomic-file.ts';
export * from './json-config.ts';
export * from './audit/index.ts';
