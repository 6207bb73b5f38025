export * from './config.ts';
export * from './daemon.ts';
export * from './grpc.ts';
export * from './provider.ts';
export * from './span.ts';
