export * from './group-signature.ts';
export * from './record-outcome.ts';
export * from './run-ceremony.ts';
export * from './signer-certificate.ts';
