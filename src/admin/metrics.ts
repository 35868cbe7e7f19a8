// Prometheus metrics (prom-client), read from the native table and health state when scraped.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { BackendState } from '../balance/index.js';
import type { RunningFulcrum } from '../fulcrum.js';
import type { WafStats } from '../l7/waf-counts.js';

const EVENT_LOOP_SAMPLE_MS = 1_000;
const STATES: BackendState[] = ['up', 'down', 'draining', 'disabled'];

export interface Metrics {
  contentType: string;
  /** Reads the current figures and renders the Prometheus text format. */
  render(): Promise<string>;
}

export function createMetrics(fulcrum: RunningFulcrum): Metrics {
  const registry = new Registry();
  // prom-client samples event-loop lag with a 10 ms timer by default: 100 wake-ups a second of an
  // otherwise idle process. Once a second still shows a stalled control loop, which is what it is for.
  collectDefaultMetrics({ register: registry, prefix: 'fulcrum_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const labels = ['pool', 'backend'] as const;
  const state = new Gauge({
    name: 'fulcrum_backend_state',
    help: '1 for the state the backend is in',
    labelNames: [...labels, 'state'],
    registers: [registry],
  });
  const active = new Gauge({
    name: 'fulcrum_backend_active_connections',
    help: 'Requests or connections in flight',
    labelNames: labels,
    registers: [registry],
  });
  const weight = new Gauge({
    name: 'fulcrum_backend_effective_weight',
    help: 'Weight the pickers use (slow start lowers it)',
    labelNames: labels,
    registers: [registry],
  });
  const latencyEwma = new Gauge({
    name: 'fulcrum_backend_latency_ewma_seconds',
    help: 'Peak-EWMA of the latency least-latency balances on (http: time to the response head; tcp: connect time); absent before the first sample',
    labelNames: labels,
    registers: [registry],
  });
  const picks = new Counter({
    name: 'fulcrum_backend_picks_total',
    help: 'Times the backend was picked',
    labelNames: labels,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'fulcrum_backend_failures_total',
    help: 'Failed requests or connections (connect errors, resets, timeouts)',
    labelNames: labels,
    registers: [registry],
  });
  const retries = new Counter({
    name: 'fulcrum_backend_retries_total',
    help: 'Requests retried on another backend after this one failed them (http)',
    labelNames: labels,
    registers: [registry],
  });
  const checks = new Counter({
    name: 'fulcrum_health_checks_total',
    help: 'Active health checks by result',
    labelNames: ['pool', 'result'],
    registers: [registry],
  });
  const ejections = new Counter({
    name: 'fulcrum_ejections_total',
    help: 'Passive ejections',
    labelNames: ['pool'],
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'fulcrum_reloads_total',
    help: 'Configuration reloads by result',
    labelNames: ['result'],
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'fulcrum_worker_restarts_total',
    help: 'L7 workers that died and were replaced',
    registers: [registry],
  });

  // udp mode: the native engine's counters (native/l4/udp_*), by name: fulcrum_udp_datagrams_in_total and so on.
  const udp = new Counter({
    name: 'fulcrum_udp_total',
    help: 'udp mode: datagrams and bytes each way, flows opened, closed and refused, replies timed out, backend errors (by counter)',
    labelNames: ['counter'],
    registers: [registry],
  });
  const udpFlows = new Gauge({ name: 'fulcrum_udp_flows_active', help: 'udp mode: open flows', registers: [registry] });
  const accessVerdicts = new Counter({
    name: 'fulcrum_access_requests_total',
    help: 'http mode: requests an access rule, rate limit or cap decided, by rule and verdict (allowed, denied, limited, delayed, capped)',
    labelNames: ['rule', 'verdict'],
    registers: [registry],
  });

  const connectionVerdicts = new Counter({
    name: 'fulcrum_access_connections_total',
    help: 'tcp mode: connections an access rule allowed or denied, or the connection-rate limit or maxConnectionsPerIp refused, by rule and verdict (allowed, denied, limited, capped)',
    labelNames: ['rule', 'verdict'],
    registers: [registry],
  });
  const wafRequests = new Counter({
    name: 'fulcrum_waf_requests_total',
    help: 'http mode: requests the WAF blocked (block mode) or only flagged (detect mode), by verdict',
    labelNames: ['verdict'],
    registers: [registry],
  });
  const wafMatches = new Counter({
    name: 'fulcrum_waf_rule_matches_total',
    help: 'http mode: WAF rule matches in blocked or flagged requests, by ModSecurity rule id and verdict',
    labelNames: ['rule', 'verdict'],
    registers: [registry],
  });

  // FULCRUM_CONFIG=etcd://: whether the watch is up, and how far the serving configuration is behind etcd.
  const etcdConnected = new Gauge({
    name: 'fulcrum_etcd_connected',
    help: 'etcd configuration source: 1 while the watch is established, 0 while retrying (the last configuration keeps serving)',
    labelNames: ['url'],
    registers: [registry],
  });
  const etcdRevision = new Gauge({
    name: 'fulcrum_etcd_revision',
    help: 'etcd configuration source: the newest revision seen (seen) and the one serving (applied)',
    labelNames: ['url', 'revision'],
    registers: [registry],
  });
  const etcdApplied = new Gauge({
    name: 'fulcrum_etcd_last_applied_timestamp_seconds',
    help: 'etcd configuration source: when a configuration from etcd was last applied',
    labelNames: ['url'],
    registers: [registry],
  });

  const collectEtcd = () => {
    for (const metric of [etcdConnected, etcdRevision, etcdApplied]) metric.reset();
    const status = fulcrum.configSource?.status();
    if (!status) return;
    etcdConnected.set({ url: status.url }, status.connected ? 1 : 0);
    etcdRevision.set({ url: status.url, revision: 'seen' }, status.revision);
    etcdRevision.set({ url: status.url, revision: 'applied' }, status.appliedRevision);
    if (status.lastAppliedAt) etcdApplied.set({ url: status.url }, Date.parse(status.lastAppliedAt) / 1000);
  };

  const dnsFailures = new Counter({
    name: 'fulcrum_dns_resolution_failures_total',
    help: 'Failed resolutions of a DNS-named backend (dns+a://, dns+srv://), by source; the pool kept its last good backends',
    labelNames: ['source'],
    registers: [registry],
  });

  // Counters mirror totals kept natively or by the health monitor: reset, then set to the current total.
  const collect = () => {
    for (const metric of [state, active, weight, latencyEwma, picks, failures, retries, checks, ejections, reloads, restarts, dnsFailures])
      metric.reset();
    for (const [source, count] of fulcrum.discovery.failureCounts()) dnsFailures.inc({ source }, count);
    for (const [pool, balancer] of fulcrum.pools) {
      for (const backend of balancer.snapshot().backends) {
        if (!backend.inPool) continue;
        const at = { pool, backend: backend.address };
        for (const candidate of STATES) state.set({ ...at, state: candidate }, candidate === backend.state ? 1 : 0);
        active.set(at, backend.activeConnections);
        weight.set(at, backend.effectiveWeight);
        if (backend.ewmaMs !== null) latencyEwma.set(at, backend.ewmaMs / 1000);
        picks.inc(at, backend.totalPicks);
        failures.inc(at, backend.failures);
        const retried = fulcrum.backendRetries(pool, backend.index);
        if (retried !== null) retries.inc(at, retried);
      }
      const events = fulcrum.health.events(pool);
      if (events) {
        checks.inc({ pool, result: 'passed' }, events.checks.passed);
        checks.inc({ pool, result: 'failed' }, events.checks.failed);
        ejections.inc({ pool }, events.ejections);
      }
    }
    reloads.inc({ result: 'applied' }, fulcrum.reloads.applied);
    reloads.inc({ result: 'rejected' }, fulcrum.reloads.rejected);
    collectEtcd();
    const planeStats = fulcrum.dataPlaneStats();
    const workerRestarts = planeStats.workerRestarts;
    if (typeof workerRestarts === 'number') restarts.inc(workerRestarts);
    udp.reset();
    udpFlows.reset();
    accessVerdicts.reset();
    const accessByRule = planeStats.access as Record<string, Record<string, number>> | undefined;
    for (const [rule, verdicts] of Object.entries(accessByRule ?? {})) {
      for (const [verdict, count] of Object.entries(verdicts)) accessVerdicts.inc({ rule, verdict }, count);
    }
    connectionVerdicts.reset();
    const connectionsByRule = planeStats.accessConnections as Record<string, Record<string, number>> | undefined;
    for (const [rule, verdicts] of Object.entries(connectionsByRule ?? {})) {
      for (const [verdict, count] of Object.entries(verdicts)) connectionVerdicts.inc({ rule, verdict }, count);
    }
    wafRequests.reset();
    wafMatches.reset();
    const waf = planeStats.waf as WafStats | undefined;
    if (waf) {
      for (const [verdict, count] of Object.entries(waf.requests)) wafRequests.inc({ verdict }, count);
      for (const [rule, verdicts] of Object.entries(waf.rules)) {
        for (const [verdict, count] of Object.entries(verdicts)) wafMatches.inc({ rule, verdict }, count);
      }
    }
    const udpStats = planeStats.udp as Record<string, number> | undefined;
    if (udpStats) {
      for (const [counter, value] of Object.entries(udpStats)) {
        if (counter === 'flowsActive') udpFlows.set(value);
        else udp.inc({ counter }, value);
      }
    }
  };
  return {
    contentType: registry.contentType,
    render: async () => {
      collect();
      return registry.metrics();
    },
  };
}
