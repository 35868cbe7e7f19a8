// BroadcastChannel names and messages between the main thread and the L7 workers.

export const CONTROL_CHANNEL = 'fulcrum:l7:control';
export const STATUS_CHANNEL = 'fulcrum:l7:status';

import type { RouteConfig } from '../config/types.js';
import type { LatencyDelta } from './latency-recorder.js';
import type { SplitCounterSpec } from './split-counters.js';
import type { WorkerPoolSpec } from './worker-pool.js';

/**
 * Main thread → workers: drain and stop, take new pools and routes after a hot reload, or (fault
 * injection, for resilience tests) fail one worker with an uncaught error.
 */
export type ControlMessage =
  | { type: 'drain'; deadlineMs: number }
  | { type: 'fail'; threadId: number }
  | { type: 'reconfigure'; pools: WorkerPoolSpec[]; routes: RouteConfig[]; splitCounters: SplitCounterSpec };

/** Workers → main thread: ready, and (every second while serving) response-time histograms. */
export type StatusMessage = { type: 'listening'; threadId: number } | { type: 'latency'; delta: LatencyDelta };
