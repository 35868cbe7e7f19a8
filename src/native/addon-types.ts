// The shape of what native/addon.cc exports; each native part adds its own interface here.

export interface NativeBuildInfo {
  compiler: string;
  napiVersion: number;
  cppStandard: number;
}

export interface NativeAddon {
  buildInfo: NativeBuildInfo;
  balancer: NativeBalancer;
}

// native/balancer/napi: the process-wide balancer table (see docs/balancer.md).

export interface NativePoolOptions {
  name: string;
  algorithm?: string;
  ringKind?: string;
  maglevTableSize?: number;
  balanceFactor?: number;
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
}

export interface NativePoolSnapshot {
  name: string;
  algorithm: string;
  ringKind: string;
  maglevTableSize: number;
  balanceFactor: number;
  activeTotal: number;
  backends: NativeBackendSnapshot[];
}

/** One JS environment's handle onto a native pool; every function throws Error with code FULCRUM_ERR_BALANCER. */
export interface NativePoolHandle {
  readonly name: string;
  pick(key: string | Uint8Array | undefined, avoid: number | undefined): number;
  release(index: number, outcome: number): void;
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
  poolNames(): string[];
}
