// A worker's listening front: the uWS front (uws-front.ts) or the node:http / node:http2 front
// (node-front.ts). The serve task starts, drains and closes fronts through this interface only.

/**
 * Why a worker could not start serving: the listener address (by setting) or the TLS pair. Resolved
 * rather than thrown, because piscina hands a worker's error to the main thread without its fields.
 */
export interface StartFailure {
  failed: 'listen' | 'listeners' | 'httpsRedirectListen' | 'tls';
  reason: string;
}

export interface Front {
  /** Resolves null once every listener of the front listens, or why one cannot (the caller then closes every front). */
  listen(): Promise<StartFailure | null>;
  /** Stops taking connections; HTTP/2 sessions are told GOAWAY. Open connections carry on. */
  stopAccepting(): void;
  /** Closes every connection left: the worker is about to end. */
  closeAll(): void;
}
