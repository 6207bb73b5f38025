import { expect } from 'vitest';
import { FrostmintVerifyError, type VerifyErrorCode } from '../../src/index.ts';

/** Asserts that `promise` rejects with a FrostmintVerifyError carrying `code`; returns it. */
export async function expectCode(
  promise: Promise<unknown>,
  code: VerifyErrorCode,
): Promise<FrostmintVerifyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FrostmintVerifyError);
  expect((err as FrostmintVerifyError).code).toBe(code);
  return err as FrostmintVerifyError;
}
