export * from './claims.ts';
export * from './encoding.ts';
export * from './jwk.ts';
export * from './checks.ts';
