/** A source of uniformly distributed numbers in [0, 1); seeded, so a run can be reproduced. */
export type Rng = () => number;

/**
 * A seeded pseudo-random generator (mulberry32). Not for cryptography: it only makes the
 * simulator's faults reproducible, e.g. `createRng(1)()` is the same number on every run.
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer drawn uniformly from [min, max] (both inclusive). */
export function drawInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}
