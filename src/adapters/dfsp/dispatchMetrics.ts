import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * What the dispatcher role shows on `/metrics`, labelled by DFSP (a bounded set: the registered
 * DFSPs) and outcome:
 *
 * - `g2p_dispatch_requests_total{dfsp,outcome}`: `/disburse` requests by outcome (`accepted`,
 *   `rejected`, `unknown`, `unreachable`, `unsendable`);
 * - `g2p_dispatch_payments_total{dfsp,outcome}`: the payments those requests carried;
 * - `g2p_dfsp_circuit_open{dfsp}`: 1 while this process holds the DFSP's circuit open;
 * - `g2p_status_queries_total{dfsp,result}`: status queries (`answered`, `failed`).
 *
 * @example
 * const metrics = createDispatchMetrics(registry);
 * metrics.requests.inc({ dfsp: 'bank-a', outcome: 'accepted' });
 */
export function createDispatchMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'g2p_dispatch_requests_total',
      help: 'Disburse requests sent to DFSPs, by DFSP and outcome',
      labelNames: ['dfsp', 'outcome'] as const,
      registers: [registry],
    }),
    payments: new Counter({
      name: 'g2p_dispatch_payments_total',
      help: 'Payments carried by disburse requests, by DFSP and outcome',
      labelNames: ['dfsp', 'outcome'] as const,
      registers: [registry],
    }),
    circuitOpen: new Gauge({
      name: 'g2p_dfsp_circuit_open',
      help: "1 while this process holds the DFSP's circuit open",
      labelNames: ['dfsp'] as const,
      registers: [registry],
    }),
    statusQueries: new Counter({
      name: 'g2p_status_queries_total',
      help: 'Status queries to DFSPs, by DFSP and result',
      labelNames: ['dfsp', 'result'] as const,
      registers: [registry],
    }),
  };
}

export type DispatchMetrics = ReturnType<typeof createDispatchMetrics>;
