export * from './config.ts';
export * from './events.ts';
export * from './keys.ts';
export * from './requester.ts';
export * from './verify.ts';
