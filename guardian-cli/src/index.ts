export { ExitCode, exitCodeFor } from './exit-codes.ts';
export {
  GUARDIAN_RECORD_FORMAT,
  type GuardianRecord,
  GuardianRecordSchema,
  type KeyRecord,
  recordSigningInput,
  verifyGuardianRecord,
} from './guardian-record.ts';
export type { CliIo } from './io.ts';
export { BIN, buildProgram, VERSION } from './program.ts';
export { run } from './run.ts';
