import type { Projection } from '../application/feedConsumer.js';
import { dfspsProjection } from './dfspsProjection.js';
import { paymentsProjection } from './paymentsProjection.js';
import { statementsProjection } from './statementsProjection.js';
import { streamSummaries } from './streamSummaries.js';

/** Every read model the projector keeps current, in the order a rebuild replays them. */
export const projections: readonly Projection[] = [
  streamSummaries,
  paymentsProjection,
  dfspsProjection,
  statementsProjection,
];
