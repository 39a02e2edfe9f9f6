import type { PersonalFields } from '../domain/personalData.js';

/** One record's personal fields, sealed: the key they are under and the ciphertext. */
export interface SealedPersonalFields {
  readonly beneficiaryKey: string;
  /** AES-256-GCM (nonce, ciphertext, tag) in base64, bound to the key and the payment. */
  readonly sealed: string;
}

/** A record to seal: under the key it already names, else under its beneficiary's own key. */
export interface RecordToSeal {
  readonly paymentId: string;
  readonly personal: PersonalFields;
  readonly beneficiaryKey?: string;
}

/** A sealed record to open. */
export interface RecordToOpen extends SealedPersonalFields {
  readonly paymentId: string;
}

/**
 * Where beneficiaries' keys are kept: one data key per beneficiary, itself sealed under the
 * master key, outside the event log, so it can be destroyed while the log stays as it is
 * (crypto-shredding). Calls take many records at once: one page of the feed, one chunk of a batch.
 */
export interface PersonalDataVault {
  /**
   * Seals each record's personal fields. A record that names a key is sealed under it; one that
   * names none under its beneficiary's key, made on first use. Answers undefined for a record
   * whose named key was destroyed: its beneficiary is erased, and it must be written so.
   */
  seal(records: readonly RecordToSeal[]): Promise<readonly (SealedPersonalFields | undefined)[]>;
  /**
   * Loads the keys these records are sealed under (one query for those not in memory) and
   * answers a synchronous opener for them. The opener answers undefined where the key was
   * destroyed (the beneficiary was erased), and throws when a ciphertext was altered or moved to
   * another payment; loading throws for a key never known here: that is no erasure.
   */
  opener(
    beneficiaryKeys: readonly string[],
  ): Promise<(record: RecordToOpen) => PersonalFields | undefined>;
  /** The key of a beneficiary, if any data of theirs is held (and not erased). */
  keyOf(beneficiaryId: string): Promise<string | undefined>;
  /**
   * Destroys a key: what was sealed under it can never be read again, and the beneficiary's next
   * payment gets a new key. Answers whether it was still there; destroying it again is harmless.
   */
  destroy(beneficiaryKey: string): Promise<boolean>;
  /** Stops listening for other processes' erasures. */
  close(): Promise<void>;
}
