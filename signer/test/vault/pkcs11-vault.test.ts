import { shareVaultConformance } from './conformance.ts';
import { pkcs11Harness } from './pkcs11-harness.ts';

shareVaultConformance('pkcs11', () => pkcs11Harness());
