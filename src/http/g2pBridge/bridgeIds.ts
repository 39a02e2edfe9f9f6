import { createHash } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** What a caller's envelope or disbursement id may be: our references' characters. */
export const CALLER_ID = /^[A-Za-z0-9._:@-]{1,100}$/;

/**
 * The batch id of a programme's envelope: a ULID-shaped id drawn from SHA-256 of the programme
 * and the envelope id, so the same envelope id of the same programme is always the same batch
 * (idempotent), and two programmes' equal envelope ids never meet.
 *
 * @example
 * batchIdOf('CT-OVC', '1733222400000'); // always the same 26 Crockford characters
 */
export function batchIdOf(programId: string, envelopeId: string): string {
  const digest = createHash('sha256')
    .update(`g2p-bridge\u0000${programId}\u0000${envelopeId}`)
    .digest();
  let id = '';
  for (let index = 0; index < 26; index += 1) {
    id += CROCKFORD[(digest[index] ?? 0) % 32];
  }
  return id;
}

/** The description a bridge envelope's batch carries, naming the envelope. */
export const envelopeDescription = (envelopeId: string) => `G2P Bridge envelope ${envelopeId}`;

/** The envelope id a batch's description names; undefined for a batch not opened by the bridge. */
export function envelopeIdOf(description: string | null): string | undefined {
  const prefix = envelopeDescription('');
  return description?.startsWith(prefix) ? description.slice(prefix.length) : undefined;
}
