// The interface every contender implements: a proxy (or direct access) started with the suite's own config.
import type { Balance, ClientProtocol, ProxyLayer } from '../scenarios.js';
import type { EdgeFeature } from './edge-features.js';

export interface ContenderSetup {
  listenPort: number;
  /** Ports on 127.0.0.1 of the backends to balance over. */
  backendPorts: number[];
  balance: Balance;
  /** What clients speak on the listening port: h2c means HTTP/2 by prior knowledge, no upgrade; grpc is h2c both sides. */
  clientProtocol: ClientProtocol;
  /** The edge scenario's access rule or rate limit to turn on (edge-features.ts), or null. */
  edge: EdgeFeature | null;
  /** Threads or worker processes, the same for every contender. */
  workers: number;
  /** A private folder for config, pid and log files. */
  workDir: string;
}

export interface RunningContender {
  port: number;
  /** Root of the contender's process tree, null for direct access. */
  pid: number | null;
  output(): string;
  stop(): Promise<void>;
}

export interface Contender {
  id: string;
  label: string;
  /** Which layer it proxies at; direct runs every scenario. */
  layer: ProxyLayer | 'direct';
  /** Whether it can serve clients HTTP/2 in cleartext by prior knowledge (the h2c scenarios run only these). */
  servesH2c: boolean;
  /** Whether it proxies gRPC (h2c to clients and to the backends): the grpc-unary scenario runs only these. */
  servesGrpc: boolean;
  /** Fulcrum without the edge rules: runs in edge scenarios only, as the baseline of their cost. */
  edgeBaseline?: boolean;
  /** Why it cannot run here (binary not installed), or null. */
  missingReason(): string | null;
  start(setup: ContenderSetup): Promise<RunningContender>;
}
