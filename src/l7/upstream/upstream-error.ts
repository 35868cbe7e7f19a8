// Why an upstream exchange failed, and whether the request may have reached the backend (decides retries).

export type UpstreamFailure = 'connect' | 'connect-timeout' | 'reset' | 'response-timeout' | 'idle-timeout' | 'malformed';

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
