export * from './checks.ts';
export * from './claims.ts';
export * from './dpop.ts';
export * from './encoding.ts';
export * from './evidence-claims.ts';
export * from './jwk.ts';
