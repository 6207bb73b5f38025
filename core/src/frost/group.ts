import { FrostError } from './errors.ts';
import { checkGroupPublicKey } from './group-key.ts';
import { nonceGenerate } from './nonce.ts';
import { addPoints, baseMul, mulPoint } from './point.ts';
import { checkScalar, isCanonicalScalar, scalarAdd, scalarMul } from './scalar-ops.ts';
import { type SigningPackage, SigningPackages } from './signing-package.ts';
import { sodium } from './sodium.ts';
import type { FrostGroup, GroupPublicKey, KeyShare, ParticipantId } from './types.ts';

/**
 * The FROST(Ed25519, SHA-512) engine (RFC 9591) on native libsodium (`sodium-native`):
 * synchronous, nothing to initialise or await.
 *
 * - The group key and verifying shares are validated once, here (`checkGroupPublicKey`:
 *   §3.1 element checks and consistency of the shares with the group key).
 * - Commitments are validated (§3.1) when a signing package is first derived from them;
 *   the last few packages are cached per group (public data only), so a coordinator's
 *   `verifyShare` ×n and `aggregate` over one package validate and build `R` once.
 * - `signShare` checks that the list holds the signer's own commitment (§5.2), touches
 *   secrets only through constant-time operations, and zeroes the nonces, also on failure.
 * - `verifyShare` answers false for a wrong or malformed signature share and throws a
 *   `FrostError` for a malformed commitment list (validate commitments on arrival with
 *   `checkCommitment` to blame the right signer).
 * - `verify` is libsodium's strict RFC 8032 verification.
 *
 * @example
 * ```ts
 * const group = loadGroup(publicKey);
 * const { nonces, commitment } = group.commit(share);
 * const z = group.signShare(share, nonces, [commitment, other], message);
 * ```
 */
export function loadGroup(publicKey: GroupPublicKey): FrostGroup {
  const pub = checkGroupPublicKey(publicKey);
  const packages = new SigningPackages(pub);

  const checkShare = (share: KeyShare): void => {
    memberKey(pub, share.id);
    checkScalar(share.signingShare, 'signing share');
  };
  const termsOf = (pkg: SigningPackage, id: ParticipantId) => {
    const terms = pkg.participants.get(id);
    if (!terms)
      throw new FrostError('frost_missing_self', `commitment list omits participant ${id}`);
    return terms;
  };

  return {
    publicKey: pub,

    // RFC 9591 §5.1 commit
    commit(share) {
      checkShare(share);
      const nonces = {
        hiding: nonceGenerate(share.signingShare),
        binding: nonceGenerate(share.signingShare),
      };
      return {
        nonces,
        commitment: {
          id: share.id,
          hiding: baseMul(nonces.hiding),
          binding: baseMul(nonces.binding),
        },
      };
    },

    // RFC 9591 §5.2 sign
    signShare(share, nonces, commitments, message) {
      try {
        checkShare(share);
        checkScalar(nonces.hiding, 'hiding nonce');
        checkScalar(nonces.binding, 'binding nonce');
        const pkg = packages.get(commitments, message, { id: share.id, nonces });
        const { bindingFactor, lambda } = termsOf(pkg, share.id);
        // sig_share = hiding_nonce + (binding_nonce * binding_factor) + (lambda_i * sk_i * challenge)
        const bound = scalarMul(nonces.binding, bindingFactor);
        const keyed = scalarMul(share.signingShare, scalarMul(lambda, pkg.challenge));
        const partial = scalarAdd(nonces.hiding, bound);
        const z = scalarAdd(partial, keyed);
        for (const secret of [bound, keyed, partial]) sodium.sodium_memzero(secret);
        return z;
      } finally {
        sodium.sodium_memzero(nonces.hiding);
        sodium.sodium_memzero(nonces.binding);
      }
    },

    // RFC 9591 §5.4 verify_signature_share
    verifyShare(id, signatureShare, commitments, message) {
      const verifyingShare = memberKey(pub, id);
      const pkg = packages.get(commitments, message);
      const { commitmentShare, lambda } = termsOf(pkg, id);
      // A malformed or zero share is simply not a valid share (G·0 is never comm_share + …).
      if (!isCanonicalScalar(signatureShare) || signatureShare.every((b) => b === 0)) return false;
      // l = G * sig_share; r = comm_share + PK_i * (challenge * lambda_i)
      const l = baseMul(signatureShare);
      const r = addPoints(
        commitmentShare,
        mulPoint(scalarMul(pkg.challenge, lambda), verifyingShare),
      );
      return Buffer.from(l).equals(r);
    },

    // RFC 9591 §5.3 aggregate
    aggregate(commitments, message, shares) {
      const pkg = packages.get(commitments, message);
      for (const id of shares.keys()) {
        if (!pkg.participants.has(id))
          throw new FrostError(
            'frost_unknown_id',
            `share from ${id}, who is not in the signing set`,
          );
      }
      const z = pkg.ids
        .map((id) => {
          const share = shares.get(id);
          if (!share)
            throw new FrostError(
              'frost_missing_share',
              `no signature share from participant ${id}`,
            );
          checkScalar(share, `signature share of participant ${id}`);
          return share;
        })
        .reduce(scalarAdd);
      // §5.3 / §6.1 SerializeElement(R) || SerializeScalar(z): an RFC 8032 signature
      return Buffer.concat([pkg.groupCommitment, z]);
    },

    verify(message, signature) {
      return (
        signature.length === 64 &&
        sodium.crypto_sign_verify_detached(signature, message, pub.groupKey)
      );
    },
  };
}

function memberKey(pub: GroupPublicKey, id: ParticipantId): Uint8Array {
  const key = pub.verifyingShares.get(id);
  if (!key) throw new FrostError('frost_unknown_id', `participant ${id} is not in this group`);
  return key;
}
