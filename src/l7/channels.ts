// BroadcastChannel names and messages between the main thread and the L7 workers.

// Names carry the data plane's id: during a reload that replaces the data plane, two planes' workers
// live side by side and must not hear each other's drain.
export const controlChannel = (planeId: string): string => `fulcrum:l7:${planeId}:control`;
export const statusChannel = (planeId: string): string => `fulcrum:l7:${planeId}:status`;

import type { RouteConfig } from '../config/types.js';
import type { AccessDelta } from './access-counts.js';
import type { LatencyDelta } from './latency-recorder.js';
import type { RetryDelta } from './retry-counts.js';
import type { SplitCounterSpec } from './split-counters.js';
import type { WafDelta } from './waf-counts.js';
import type { WorkerPoolSpec } from './worker-pool.js';

/**
 * Main thread → workers: drain and stop, take new pools and routes after a hot reload, or (fault
 * injection, for resilience tests) fail one worker with an uncaught error.
 */
export type ControlMessage =
  | { type: 'drain'; deadlineMs: number }
  | { type: 'fail'; threadId: number }
  | { type: 'reconfigure'; pools: WorkerPoolSpec[]; routes: RouteConfig[]; splitCounters: SplitCounterSpec };

/** Workers → main thread: ready, and (every second while serving) response-time histograms and retry counts. */
export type StatusMessage =
  | { type: 'listening'; threadId: number }
  | { type: 'latency'; delta: LatencyDelta }
  | { type: 'retries'; delta: RetryDelta }
  | { type: 'access'; delta: AccessDelta }
  | { type: 'waf'; delta: WafDelta };
