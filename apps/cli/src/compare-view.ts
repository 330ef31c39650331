import type { Schemas } from '@greenlight/sdk';

/** A stored compare as the API answers it, with its deltas and statistics typed by the OpenAPI document. */
export type CompareResult = Schemas['CompareView'];

/** A rate over the paired cases: both sides, their difference and its confidence interval. */
export type RateDelta = Schemas['CompareRateDeltaView'];
