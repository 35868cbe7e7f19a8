// BroadcastChannel names and messages between the main thread and the L7 workers.

export const CONTROL_CHANNEL = 'fulcrum:l7:control';
export const STATUS_CHANNEL = 'fulcrum:l7:status';

/** Main thread → workers. */
export type ControlMessage = { type: 'drain'; deadlineMs: number };

/** Workers → main thread. */
export type StatusMessage = { type: 'listening'; threadId: number };
