// Why an upstream exchange failed, whether the request may have reached the backend (decides retries),
// and what the failure tells passive health.
import type { Outcome } from '../../balance/index.js';

export type UpstreamFailure = 'connect' | 'connect-timeout' | 'reset' | 'response-timeout' | 'idle-timeout' | 'malformed';

/** What the balancer is told for each way an upstream exchange can fail (the passive health signal). */
export const OUTCOME_OF: Readonly<Record<UpstreamFailure, Outcome>> = {
  connect: 'connect-failure',
  'connect-timeout': 'timeout',
  'response-timeout': 'timeout',
  'idle-timeout': 'timeout',
  reset: 'reset',
  malformed: 'server-error',
};

/** Timeouts of one upstream exchange, in milliseconds. */
export interface ExchangeTimeouts {
  /** From the request being written to the response head arriving. */
  responseMs: number;
  /** Silence mid-response; also how long a pooled keep-alive connection may stay idle. */
  idleMs: number;
}

export class UpstreamError extends Error {
  readonly failure: UpstreamFailure;
  /** False only when no byte of the request can have reached the backend. */
  readonly requestSent: boolean;
  /** Some byte of a response arrived before the failure: the backend had started answering. */
  readonly responseBegun: boolean;

  constructor(failure: UpstreamFailure, requestSent: boolean, message: string, responseBegun = false) {
    super(message);
    this.failure = failure;
    this.requestSent = requestSent;
    this.responseBegun = responseBegun;
  }
}
