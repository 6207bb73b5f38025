export * from './coordinator-client.ts';
export * from './errors.ts';
export { type Answer, type CallOptions, call, parseAnswer } from './http.ts';
export * from './wire/index.ts';
