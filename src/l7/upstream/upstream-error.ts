// Why an upstream exchange failed, and whether the request may have reached the backend (decides retries).

export type UpstreamFailure = 'connect' | 'connect-timeout' | 'reset' | 'response-timeout' | 'malformed';

export class UpstreamError extends Error {
  readonly failure: UpstreamFailure;
  /** False only when no byte of the request can have reached the backend. */
  readonly requestSent: boolean;

  constructor(failure: UpstreamFailure, requestSent: boolean, message: string) {
    super(message);
    this.failure = failure;
    this.requestSent = requestSent;
  }
}
