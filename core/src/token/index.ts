export * from './checks.ts';
export * from './claims.ts';
export * from './encoding.ts';
export * from './jwk.ts';
