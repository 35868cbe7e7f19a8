// The dashboard's figures (runs in the browser before dashboard.js, inlined into GET / by
// src/admin/dashboard-page.ts): rates, error rates and windowed latency percentiles derived from successive
// /events frames, their formatting, and the 5-minute history the charts draw (kept in the page only).
window.FulcrumFigures = (() => {
  const HISTORY_SECONDS = 300;
  /** The table's p50/p99 cover this many seconds of frames; each chart point covers one. */
  const TABLE_WINDOW_SECONDS = 10;
  /** Per backend key: the last TABLE_WINDOW_SECONDS frames of its counters, oldest first. */
  const recent = new Map();
  /** Seconds since the epoch of each history point, and per backend key its req/s and p99 at those points. */
  const history = { times: [], series: new Map() };

  /** The quantile of the responses counted in `buckets` (upper bounds `bounds`; null bound = beyond the last), or null. */
  function quantile(buckets, bounds, q) {
    const total = buckets.reduce((sum, count) => sum + count, 0);
    if (total === 0) return null;
    let seen = 0;
    for (let index = 0; index < buckets.length; index++) {
      seen += buckets[index];
      if (seen >= q * total) return bounds[index] ?? bounds[bounds.length - 2] ?? null;
    }
    return null;
  }

  const minus = (later, earlier) => later.map((count, index) => count - (earlier?.[index] ?? 0));

  function derive(key, backend, bounds, now) {
    const frames = recent.get(key) ?? [];
    const frame = { at: now, picks: backend.totalPicks, failures: backend.failures, buckets: backend.latencyMs?.buckets ?? null };
    const last = frames[frames.length - 1];
    const oldest = frames[0];
    frames.push(frame);
    while (frames.length > TABLE_WINDOW_SECONDS + 1) frames.shift();
    recent.set(key, frames);
    if (!last) return { rate: null, errorRate: null, p50: null, p99: null, p99Now: null };
    const picks = Math.max(0, frame.picks - last.picks);
    const failures = Math.max(0, frame.failures - last.failures);
    const windowBuckets = frame.buckets && minus(frame.buckets, oldest.buckets);
    const lastBuckets = frame.buckets && minus(frame.buckets, last.buckets);
    return {
      rate: picks / Math.max(0.001, now - last.at),
      errorRate: picks > 0 ? failures / picks : null,
      p50: windowBuckets && quantile(windowBuckets, bounds, 0.5),
      p99: windowBuckets && quantile(windowBuckets, bounds, 0.99),
      p99Now: lastBuckets && quantile(lastBuckets, bounds, 0.99),
    };
  }

  // ---- formatting ----

  const dash = '–';
  const number = (value, digits) => (value === null || value === undefined ? dash : value.toFixed(digits));
  const rate = (value) => (value === null ? dash : number(value, value < 10 ? 1 : 0));
  const milliseconds = (value) => (value === null || value === undefined ? dash : number(value, value < 1 ? 2 : value < 10 ? 1 : 0));
  const percent = (value) => (value === null ? dash : `${number(value * 100, value < 0.1 ? 1 : 0)}%`);
  const mebibytes = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;
  const duration = (seconds) =>
    seconds < 3600
      ? `${Math.floor(seconds / 60)}m ${seconds % 60}s`
      : `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;

  // ---- history ----

  function record(now, point) {
    history.times.push(now);
    for (const [key, figures] of point) {
      let series = history.series.get(key);
      if (!series) {
        // A backend new to the page: no values before now.
        series = { rate: history.times.slice(1).map(() => null), p99: history.times.slice(1).map(() => null) };
        history.series.set(key, series);
      }
      series.rate.push(figures.rate);
      series.p99.push(figures.p99Now);
    }
    for (const [key, series] of history.series) {
      if (!point.has(key)) {
        series.rate.push(null);
        series.p99.push(null);
      }
    }
    while (history.times[0] < now - HISTORY_SECONDS) {
      history.times.shift();
      for (const series of history.series.values()) {
        series.rate.shift();
        series.p99.shift();
      }
    }
    for (const [key, series] of history.series) {
      if (series.rate.every((value) => value === null)) history.series.delete(key);
    }
  }

  return {
    TABLE_WINDOW_SECONDS,
    history,
    derive,
    record,
    format: { dash, rate, milliseconds, percent, mebibytes, duration },
  };
})();
