// What the suite knows about a running origin: its ports, its process (for CPU accounting) and how to stop it.
export interface RunningOrigin {
  /** Which program serves, e.g. "nginx 1.22.1 (1 worker)". */
  description: string;
  ports: number[];
  pid: number;
  stop(): Promise<void>;
}
