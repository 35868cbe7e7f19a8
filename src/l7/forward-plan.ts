// What the request handler decided for one request, handed to ProxiedRequest to carry out.
import type { ReplyContext } from './replies.js';
import type { WorkerPool } from './worker-pool.js';

export interface ForwardPlan extends ReplyContext {
  pool: WorkerPool;
  hashKey: string | undefined;
  /** Backend named by the request's sticky cookie, or -1. */
  pinnedIndex: number;
  head: string;
  method: string;
  /** The request carries a body that arrives through res.onData. */
  hasBody: boolean;
  /** The body is re-chunked upstream (the client sent no content-length). */
  chunkedBody: boolean;
  /** FULCRUM_MAX_BODY, enforced here for bodies whose length was not declared. */
  maxBody: number;
  /** uWS closes the client connection after the response: it carries `Connection: close`. */
  clientCloses: boolean;
  /** For the access log. */
  client: string;
  host: string;
  path: string;
}
