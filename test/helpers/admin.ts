// Reads a running Fulcrum's admin API and drives load at it, for health, reload and admin tests.
export interface BackendStats {
  address: string;
  state: string;
  weight: number;
  effectiveWeight: number;
  activeConnections: number;
  totalPicks: number;
  failures: number;
  /** http mode: requests retried on another backend after this one failed them; null in tcp mode. */
  retries: number | null;
  health: {
    admin: string;
    activeUp: boolean;
    ejectedUntil: string | null;
    ejections: number;
    checks: { ok: boolean; detail: string }[];
  } | null;
}

export interface PoolStats {
  algorithm: string;
  backends: BackendStats[];
}

export interface Stats {
  mode: string;
  reloads: { applied: number; rejected: number };
  dataPlane: Record<string, number>;
  pools: Record<string, PoolStats>;
}

export async function getStats(adminPort: number, token?: string): Promise<Stats> {
  const response = await fetch(`http://127.0.0.1:${adminPort}/stats`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status !== 200) throw new Error(`GET /stats answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Stats;
}

/** Polls until `predicate` holds on /stats, or fails after `timeoutMs`. Returns the elapsed time. */
export async function waitForStats(
  adminPort: number,
  predicate: (stats: Stats) => boolean,
  timeoutMs: number,
  token?: string,
): Promise<number> {
  const started = Date.now();
  let last: Stats | null = null;
  while (Date.now() - started < timeoutMs) {
    last = await getStats(adminPort, token);
    if (predicate(last)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stats condition not met within ${timeoutMs} ms; last stats: ${JSON.stringify(last?.pools)}`);
}

export interface LoadResult {
  ok: number;
  failed: { status: number; error: string }[];
  /** Response bodies in order (the origins answer with their names). */
  bodies: string[];
}

/** Sends requests one after another (each on its own connection) until `stop` resolves; bounded by maxRequests. */
export async function runLoad(url: string, stop: Promise<unknown>, maxRequests = 20_000): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: [], bodies: [] };
  let stopped = false;
  void stop.then(() => (stopped = true));
  while (!stopped && result.ok + result.failed.length < maxRequests) {
    try {
      const response = await fetch(url);
      const body = await response.text();
      if (response.status === 200) {
        result.ok++;
        result.bodies.push(body);
      } else {
        result.failed.push({ status: response.status, error: body });
      }
    } catch (error) {
      result.failed.push({ status: 0, error: String((error as Error).cause ?? error) });
    }
  }
  return result;
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
