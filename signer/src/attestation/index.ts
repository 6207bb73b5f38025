export * from './config.ts';
export { ConfigfsTsmSource, nodeTsmFs, type TsmFs } from './configfs-tsm.ts';
export * from './none.ts';
export * from './open-attester.ts';
export type { CollectedReport, ReportSource } from './report-source.ts';
export * from './sev-guest-helper.ts';
export * from './signer-attestation.ts';
export * from './snp.ts';
