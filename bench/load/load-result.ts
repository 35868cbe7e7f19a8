// What one load run measured, whatever generated the load.
export type GeneratorName = 'autocannon' | 'wrk' | 'h2load' | 'iperf3' | 'iperf3-udp' | 'dnsperf' | 'bulk-sender' | 'idle-holder';

export interface LatencyPercentiles {
  p50: number;
  p99: number;
  p99_9: number;
}

export interface LoadResult {
  generator: GeneratorName;
  durationSeconds: number;
  requestsPerSecond: number | null;
  /** Bytes per second in the scenario's main direction: responses received, request bodies sent, or stream bytes. */
  throughputBytesPerSecond: number | null;
  latencyMs: LatencyPercentiles | null;
  errors: number;
  /** What the errors were, e.g. "12 timeouts, 3 non-2xx". */
  errorDetail: string;
  generatorCpuSeconds: number;
  /** Threads the generator could keep busy: past ~90% of this many cores it is the bottleneck. */
  generatorThreads: number;
}

export function describeErrors(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

export function sumOf(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}
