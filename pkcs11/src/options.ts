import type { PinSource } from './pin.ts';

/** A token is chosen by its label (`CK_TOKEN_INFO.label`) or by its slot id. */
export type TokenSelector = { readonly label: string } | { readonly slot: number };

/** Reported when a token operation has been waiting longer than `touchNoticeMs`. */
export interface TouchWaitEvent {
  readonly operation: 'ecdh' | 'sign' | 'generate';
  readonly token: string;
  readonly key: string;
}

export interface Pkcs11TokenOptions {
  /** Path of the PKCS#11 module, e.g. `/usr/lib/softhsm/libsofthsm2.so` or `libykcs11.so`. */
  readonly module: string;
  readonly token: TokenSelector;
  /** Where the user PIN comes from (never argv). */
  readonly pin: PinSource;
  /** After this long, an operation is reported as waiting for a touch. Default 1 000 ms. */
  readonly touchNoticeMs?: number;
  /** Give up on an operation after this long. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Called once per slow operation, e.g. to log "touch your YubiKey now". */
  readonly onWaitingForTouch?: (event: TouchWaitEvent) => void;
}
