export * from './config.ts';
export { p256Jwk, p256PublicKey, p256Spki, p256Thumbprint } from './ec.ts';
export * from './errors.ts';
export * from './init-token.ts';
export { describeKey, type KeyRef, type KeyUsage } from './objects.ts';
export * from './options.ts';
export { type PinSource, readPin } from './pin.ts';
export * from './softhsm2.ts';
export * from './token.ts';
