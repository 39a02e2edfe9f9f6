import type { ShippedProfile } from './catalogue.js';
import { mojaloopSdk } from './profiles/mojaloopSdk.js';
import { mpesaB2c } from './profiles/mpesaB2c.js';

/** Every mapping profile the ledger ships (see `catalogue.ts`). */
export const SHIPPED_PROFILES: readonly ShippedProfile[] = [mpesaB2c, mojaloopSdk];
