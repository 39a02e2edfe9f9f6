import type { ShippedProfile } from './profiles.js';

/** Every mapping profile the ledger ships (see `profiles.ts`). */
export const SHIPPED_PROFILES: readonly ShippedProfile[] = [];
