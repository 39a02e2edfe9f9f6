/** Settings of the per-DFSP circuit breakers. */
export interface CircuitSettings {
  /** Failed sendings in a row that open a DFSP's circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit waits before one probe may test the DFSP again. */
  readonly cooldownMs: number;
  /** The longest cool-down, reached by doubling after each failed probe. */
  readonly maxCooldownMs: number;
}

/**
 * What the breaker says of a DFSP now: `closed` (send), `open` (send nothing, move queued
 * payments elsewhere) or `probe` (open, cool-down over: one status query may test it).
 */
export type CircuitState = 'closed' | 'open' | 'probe';

/** A change the caller records as the DFSP's health. */
export type CircuitChange = 'opened' | 'closed' | undefined;

interface Circuit {
  failures: number;
  openedAtMs?: number;
  cooldownMs: number;
}

/**
 * The dispatcher's circuit breakers, one per DFSP, in memory: each dispatcher process judges
 * the DFSPs by what it sees itself, and records a change of health as an event. The clock is
 * passed in, so the states are plain to test.
 *
 * @example
 * const breakers = createCircuitBreakers({ failureThreshold: 5, cooldownMs: 30_000, maxCooldownMs: 300_000 });
 * if (breakers.failed('bank-a', Date.now()) === 'opened') await recordUnhealthy('bank-a');
 */
export function createCircuitBreakers(settings: CircuitSettings) {
  if (settings.failureThreshold < 1) throw new RangeError('failureThreshold must be at least 1');
  const circuits = new Map<string, Circuit>();
  const circuitOf = (dfspId: string): Circuit => {
    let circuit = circuits.get(dfspId);
    if (circuit === undefined) {
      circuit = { failures: 0, cooldownMs: settings.cooldownMs };
      circuits.set(dfspId, circuit);
    }
    return circuit;
  };

  return {
    state(dfspId: string, nowMs: number): CircuitState {
      const circuit = circuits.get(dfspId);
      if (circuit?.openedAtMs === undefined) return 'closed';
      return nowMs - circuit.openedAtMs >= circuit.cooldownMs ? 'probe' : 'open';
    },

    /** A sending the DFSP answered: its failures in a row start again from zero. */
    succeeded(dfspId: string): void {
      const circuit = circuits.get(dfspId);
      if (circuit !== undefined && circuit.openedAtMs === undefined) circuit.failures = 0;
    },

    /** A sending that failed; answers `opened` when this failure opens the circuit. */
    failed(dfspId: string, nowMs: number): CircuitChange {
      const circuit = circuitOf(dfspId);
      if (circuit.openedAtMs !== undefined) return undefined;
      circuit.failures += 1;
      if (circuit.failures < settings.failureThreshold) return undefined;
      circuit.openedAtMs = nowMs;
      return 'opened';
    },

    /**
     * Opens the circuit with its cool-down already over, so the next look probes at once: for a
     * DFSP recorded unhealthy by an earlier process.
     */
    openForProbe(dfspId: string): void {
      const circuit = circuitOf(dfspId);
      circuit.openedAtMs = Number.NEGATIVE_INFINITY;
    },

    /** The probe's verdict: an answer closes the circuit, none opens it for a longer cool-down. */
    probed(dfspId: string, answered: boolean, nowMs: number): CircuitChange {
      const circuit = circuitOf(dfspId);
      if (answered) {
        circuits.delete(dfspId);
        return 'closed';
      }
      circuit.cooldownMs =
        circuit.openedAtMs === Number.NEGATIVE_INFINITY
          ? settings.cooldownMs
          : Math.min(circuit.cooldownMs * 2, settings.maxCooldownMs);
      circuit.openedAtMs = nowMs;
      return undefined;
    },
  };
}

export type CircuitBreakers = ReturnType<typeof createCircuitBreakers>;
