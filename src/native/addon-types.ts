// The shape of what native/addon.cc exports; each native part adds its own interface here.

export interface NativeBuildInfo {
  compiler: string;
  napiVersion: number;
  cppStandard: number;
}

export interface NativeAddon {
  buildInfo: NativeBuildInfo;
  balancer: NativeBalancer;
  l4: NativeL4;
  /** native/limits: the process-wide token buckets behind rate limits, exact across workers. */
  rateLimits: { open(name: string, capacity: number): NativeTokenBuckets };
  /** native/limits: the process-wide counts of what is open per key behind connection and request caps. */
  concurrency: { open(name: string, capacity: number): NativeConcurrencyCounts };
  /** native/waf: libmodsecurity3, when the addon was built with it (`available: false` otherwise). */
  waf: NativeWaf;
  /** native/process_exit.cc: _exit(code), for stops that must not wait on worker-thread teardown. */
  exitNow(code: number): never;
  /** native/reuseport_migration.cc: lets this process's listeners on `port` hand queued connections on when one closes. */
  enableListenerMigration(port: number): { attached: number; error: string | null };
}

export type NativeWaf =
  | { available: false }
  | {
      available: true;
      /** The libmodsecurity version built against. */
      version: string;
      /** Loads `directives` once per process per `key` (throws libmodsecurity's parse error); later calls share the set. */
      load(key: string, directives: string): NativeWafRules;
    };

/** A handle onto a loaded rule set (native/waf/waf_binding.cc); `inspect` runs phases 1 and 2 on the calling thread. */
export interface NativeWafRules {
  /** `headers`: [name, value, ...]; null when no rule matched, else the status to answer (0: pass) and the matched rule ids. */
  inspect(
    clientAddress: string,
    method: string,
    uri: string,
    httpVersion: string,
    headers: string[],
    body: Buffer | null,
  ): { status: number; rules: number[] } | null;
}

/** One worker's handle onto a process-wide token-bucket table (native/limits/limits_binding.cc). */
export interface NativeTokenBuckets {
  /**
   * Takes a token from the bucket "scope|key", or reserves one due within `maxDelayMs`. At least 0: admitted,
   * after that many milliseconds (0: at once). Below 0: refused, a reservable token being -result ms away.
   */
  take(scope: string, key: string, ratePerSecond: number, burst: number, maxDelayMs: number): number;
  size(): number;
  capacity(): number;
}

/**
 * One worker's handle onto a process-wide concurrency-count table (native/limits/limits_binding.cc). A key
 * leaves the table when its count returns to 0; a new key is refused when the table is full.
 */
export interface NativeConcurrencyCounts {
  /** Counts one more under `key` when fewer than `max` are open: true (pair it with one release), else false. */
  tryAcquire(key: string, max: number): boolean;
  release(key: string): void;
  size(): number;
}

// native/l4/l4_binding.cc: TCP listeners whose hot path runs on native threads.
export interface NativeL4ListenerOptions {
  host: string;
  port: number;
  poolName: string;
  workers: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  retries: number;
  maxConnections: number; // 0: derived from RLIMIT_NOFILE
  pipeSize: number; // 0: the kernel default
  maxPipes: number; // 0: derived from maxConnections
  backlog: number;
  sendProxyProtocol: 0 | 1 | 2;
  acceptProxyProtocol: boolean;
  accessLog: boolean;
  /** native/l4/connection_gate.h: in order, the first rule whose CIDRs hold the client decides; no cidrs: every client. */
  accessRules: Array<{ allow: boolean; cidrs: Array<{ bytes: number[]; prefixLength: number }> }>;
  connectionRate: number; // new connections per second per client IP; 0: no limit
  connectionBurst: number;
  maxConnectionsPerIp: number; // 0: no cap
}

export interface NativeL4BackendStats {
  index: number;
  address: string;
  id: string;
  activeConnections: number;
  connectionsTotal: number;
  bytesClientToBackend: number;
  bytesBackendToClient: number;
  connectFailures: number;
  connectTimeouts: number;
  connectTimeSumUs: number;
  connectTimeCount: number;
  connectTimeMaxUs: number;
  backendResets: number;
}

export interface NativeL4Stats {
  accepted: number;
  activeConnections: number;
  acceptErrors: number;
  acceptPausesForLimit: number;
  noBackendAvailable: number;
  socketErrors: number;
  descriptorReserveUses: number;
  clientResets: number;
  idleTimeouts: number;
  proxyHeaderErrors: number;
  drainForcedCloses: number;
  pipesCreated: number;
  pipesInUse: number;
  copyFallbacks: number;
  droppedEvents: number;
  droppedAccessRecords: number;
  /** Connections each access rule allowed / denied (refused at accept), by the rule's index. */
  accessAllowedByRule: number[];
  accessDeniedByRule: number[];
  /** Refused at accept by the connection-rate limit / by maxConnectionsPerIp. */
  connectionsLimited: number;
  connectionsCapped: number;
  backends: NativeL4BackendStats[];
}

export interface NativeL4Listener {
  readonly port: number;
  readonly workers: number;
  readonly maxConnections: number;
  stats(): NativeL4Stats;
  takeEvents(): string[];
  /** Closed-connection records (80 bytes each, see src/l4/access-log.ts); empty unless accessLog. */
  takeAccessLog(): ArrayBuffer;
  drain(deadlineMs: number): Promise<{ forcedCloses: number }>;
}

// native/l4/udp_*: UDP listeners; every datagram is handled on native threads (docs/l4.md, "UDP engine").
export interface NativeUdpListenerOptions {
  host: string;
  port: number;
  poolName: string;
  workers: number;
  idleTimeoutMs: number;
  maxFlows: number; // 0: derived from RLIMIT_NOFILE
  responses: number; // 0 = unlimited: flows end by idle timeout only
  perPacket: boolean;
  /** Keep a record of every closed flow for takeAccessLog(); default false. */
  accessLog?: boolean;
}

export interface NativeUdpStats {
  /** Client side: datagrams and bytes from clients (in) and replies sent to them (out). */
  datagramsIn: number;
  bytesIn: number;
  datagramsOut: number;
  bytesOut: number;
  backendDatagramsOut: number;
  backendDatagramsIn: number;
  flowsOpened: number;
  flowsClosed: number;
  flowsActive: number;
  /** A new client's datagram dropped because maxFlows flows were open. */
  flowsRefused: number;
  /** A new client's datagram dropped because the listener is draining. */
  drainDrops: number;
  /** No backend up: the datagram was dropped. */
  noBackend: number;
  /** Flows closed by idle timeout with no reply while responses > 0 expected one. */
  timeouts: number;
  /** ICMP errors on a flow socket (ECONNREFUSED: the backend's port is closed). */
  backendErrors: number;
  /** Datagrams dropped because a send failed (full socket buffer and the like). */
  sendErrors: number;
  /** socket() for a new flow failed (EMFILE and the like): the datagram was dropped. */
  socketErrors: number;
  emptyDatagrams: number;
  drainForcedCloses: number;
  droppedEvents: number;
  /** Flow records dropped because a loop's ring was full (the JS side did not keep up). */
  droppedAccessRecords: number;
}

export interface NativeUdpListener {
  readonly port: number;
  readonly workers: number;
  readonly maxFlows: number;
  stats(): NativeUdpStats;
  takeEvents(): string[];
  /** Closed-flow records (src/l4/udp-access-log.ts decodes them), taken from every loop's ring. */
  takeAccessLog(): ArrayBuffer;
  /** Stops opening flows at once; open flows live until they end or the deadline, then the threads are joined. */
  drain(deadlineMs: number): Promise<{ forcedCloses: number }>;
}

export interface NativeL4 {
  Listener: new (options: NativeL4ListenerOptions) => NativeL4Listener;
  /** Throws an Error with .code 'POOL' | 'ADDRESS' | 'LISTEN' | 'SYSTEM', as Listener does. */
  UdpListener: new (
    options: NativeUdpListenerOptions,
  ) => NativeUdpListener;
  /** 0 when no socket listens on the numeric host:port, else the errno of a bind without SO_REUSEPORT (EADDRINUSE). */
  probeListeningElsewhere(host: string, port: number): number;
  /** A non-blocking SO_REUSEPORT listening socket's fd (for server.listen({ fd })); throws naming the failed step. */
  openReusePortListener(host: string, port: number, backlog: number): number;
}

// native/balancer/napi: the process-wide balancer table (see docs/balancer.md).

export interface NativePoolOptions {
  name: string;
  algorithm?: string;
  ringKind?: string;
  maglevTableSize?: number;
  balanceFactor?: number;
  latencyHalfLifeMs?: number;
  backends: ReadonlyArray<{ address: string; weight?: number }>;
}

export interface NativeBackendSnapshot {
  index: number;
  address: string;
  id: string;
  inPool: boolean;
  state: number;
  weight: number;
  effectiveWeight: number;
  activeConnections: number;
  totalPicks: number;
  failures: number;
  consecutiveFailures: number;
  ewmaMs: number | null;
}

export interface NativePoolSnapshot {
  name: string;
  algorithm: string;
  ringKind: string;
  maglevTableSize: number;
  balanceFactor: number;
  latencyHalfLifeMs: number;
  activeTotal: number;
  backends: NativeBackendSnapshot[];
}

/** One JS environment's handle onto a native pool; every function throws Error with code FULCRUM_ERR_BALANCER. */
export interface NativePoolHandle {
  readonly name: string;
  pick(key: string | Uint8Array | undefined, avoid: number | undefined): number;
  pickPinned(index: number): number;
  /** latencyMs: one sample for the backend's peak-EWMA, carried on the release so it costs no extra call. */
  release(index: number, outcome: number, latencyMs?: number): void;
  setState(index: number, state: number): void;
  setWeight(index: number, weight: number): void;
  setEffectiveWeight(index: number, weight: number): void;
  address(index: number): string;
  snapshot(): NativePoolSnapshot;
}

export interface NativeBalancer {
  createPool(options: NativePoolOptions): void;
  updatePool(options: NativePoolOptions): void;
  destroyPool(name: string): boolean;
  openPool(name: string): NativePoolHandle;
}
