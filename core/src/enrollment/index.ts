export * from './certificate.ts';
export * from './proof.ts';
