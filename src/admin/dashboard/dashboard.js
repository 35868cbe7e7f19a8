// The dashboard's script (runs in the browser, inlined into GET / by src/admin/dashboard-page.ts, after
// figures.js): reads GET /events as a fetch stream, renders the pools, splits, process and the 5-minute
// charts, and calls the admin API for drain, disable and enable.
//
// A fetch stream rather than EventSource: EventSource cannot send an Authorization header, and the token
// must never go into a URL. The token lives in sessionStorage (this tab only) once the user enters it.
(() => {
  const TOKEN_KEY = 'fulcrum.adminToken';
  const RECONNECT_MS = 1_000;
  const NOTICE_MS = 6_000;
  const COLORS = ['#2f6fdb', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0c8599', '#c2255c', '#5f3dc4', '#74b816', '#495057'];

  const byId = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY);
  const { TABLE_WINDOW_SECONDS, history, derive, record, format } = window.FulcrumFigures;
  const { dash, rate, milliseconds, percent, mebibytes, duration } = format;
  const poolViews = new Map();
  /** A pick is a request in http mode, a connection in tcp mode and a flow in udp mode. */
  const RATE_UNITS = { http: 'req/s', tcp: 'conn/s', udp: 'flows/s' };
  let rateUnit = 'req/s';
  let charts = null;

  const authorization = () => (token ? { authorization: `Bearer ${token}` } : {});
  const keyOf = (pool, address) => `${pool} ${address}`;

  function setConnection(text, live) {
    const element = byId('connection');
    element.textContent = text;
    element.classList.toggle('live', live);
  }

  let noticeTimer;
  /** Shows the outcome of a button for a few seconds. */
  function notify(text) {
    const notice = byId('notice');
    notice.textContent = text;
    notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => (notice.hidden = true), NOTICE_MS);
  }

  function askForToken(problem) {
    setConnection('needs the admin token', false);
    byId('token-error').textContent = problem;
    byId('token-form').hidden = false;
    byId('token').focus();
  }

  byId('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    token = byId('token').value;
    sessionStorage.setItem(TOKEN_KEY, token);
    byId('token').value = '';
    connect();
  });

  async function connect() {
    setConnection('connecting…', false);
    let response;
    try {
      response = await fetch('/events', { headers: authorization(), cache: 'no-store' });
    } catch {
      return setTimeout(connect, RECONNECT_MS);
    }
    if (response.status === 401) return askForToken(token ? 'that token was refused' : '');
    if (!response.ok || !response.body) return setTimeout(connect, RECONNECT_MS);
    byId('token-form').hidden = true;
    setConnection('live', true);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          buffer = buffer.slice(end + 2);
          if (data === '') continue;
          try {
            render(JSON.parse(data), Date.now() / 1000);
          } catch (error) {
            // A frame the page cannot show is a bug to see (the console, the browser test), not a reason to reconnect.
            reportError(error);
          }
        }
      }
    } catch {
      // The connection broke (Fulcrum restarted, network): reconnect below.
    }
    setConnection('reconnecting…', false);
    setTimeout(connect, RECONNECT_MS);
  }

  function element(tag, className, text) {
    const created = document.createElement(tag);
    if (className) created.className = className;
    if (text !== undefined) created.textContent = text;
    return created;
  }

  // ---- rendering ----

  function renderProcess(stats) {
    const plane = stats.dataPlane ?? {};
    const items = [
      ['mode', stats.mode],
      ['up', duration(stats.uptimeSeconds)],
      ['pid', stats.process?.pid],
      ['RSS', stats.process ? mebibytes(stats.process.rssBytes) : dash],
      ['workers', plane.workers ?? stats.process?.workers],
      ['worker restarts', plane.workerRestarts ?? dash],
      ['reloads', `${stats.reloads.applied} applied, ${stats.reloads.rejected} rejected`],
      ['listeners', (stats.process?.listeners ?? []).join(' · ')],
    ];
    byId('process').replaceChildren(
      ...items.map(([name, value]) => {
        const pair = element('div');
        pair.append(element('dt', '', name), element('dd', '', String(value ?? dash)));
        return pair;
      }),
    );
  }

  const COLUMNS = [
    'backend',
    'state',
    'weight',
    'effective',
    'active',
    'req/s',
    'errors',
    'p50 ms',
    'p99 ms',
    'EWMA ms',
    'health checks',
    '',
  ];
  const ACTIONS = [
    ['drain', 'draining'],
    ['disable', 'disabled'],
    ['enable', 'enabled'],
  ];

  function poolView(name) {
    let view = poolViews.get(name);
    if (view) return view;
    const section = element('div', 'pool');
    const heading = element('h2');
    const table = element('table');
    const head = element('tr');
    for (const column of COLUMNS) head.append(element('th', '', column));
    head.children[7].title = head.children[8].title = `over the last ${TABLE_WINDOW_SECONDS} s`;
    const body = element('tbody');
    table.append(element('thead'), body);
    table.tHead.append(head);
    section.append(heading, table);
    section.dataset.pool = name;
    byId('pools').append(section);
    view = { section, heading, body, rows: new Map(), rateHeader: head.children[5] };
    poolViews.set(name, view);
    return view;
  }

  function backendRow(view, pool, address) {
    let row = view.rows.get(address);
    if (row) return row;
    const tr = element('tr');
    tr.dataset.backend = address;
    const cells = {};
    for (const name of ['address', 'state', 'weight', 'effective', 'active', 'rate', 'errors', 'p50', 'p99', 'ewma', 'checks', 'actions']) {
      cells[name] = element('td', name);
      tr.append(cells[name]);
    }
    cells.address.textContent = address;
    for (const [verb] of ACTIONS) {
      const button = element('button', verb, verb);
      button.type = 'button';
      button.addEventListener('click', () => act(pool, address, verb));
      cells.actions.append(button);
    }
    view.body.append(tr);
    row = { tr, cells };
    view.rows.set(address, row);
    return row;
  }

  function renderChecks(cell, checks) {
    const dots = (checks ?? []).slice(-5).map((check) => {
      const dot = element('span', check.ok ? 'check' : 'check failed');
      dot.title = `${check.at}: ${check.ok ? 'passed' : 'failed'}, ${check.detail} (${check.durationMs} ms)`;
      return dot;
    });
    const latest = checks?.[checks.length - 1];
    cell.replaceChildren(...dots, ...(latest ? [element('small', '', latest.detail)] : [dash]));
  }

  function renderPool(name, pool, bounds, now, point) {
    const view = poolView(name);
    view.rateHeader.textContent = rateUnit;
    const check = pool.healthCheck;
    const checks = pool.events?.checks;
    const summary = [
      pool.algorithm,
      `${pool.activeConnections} active`,
      check ? `${check.kind} check every ${check.intervalMs / 1000} s (rise ${check.rise}, fall ${check.fall})` : 'no active check',
      checks ? `${checks.passed} checks passed, ${checks.failed} failed` : null,
      pool.events ? `${pool.events.ejections} ejections` : null,
    ].filter(Boolean);
    view.heading.replaceChildren(`pool ${name} `, element('small', '', summary.join(' · ')));
    const present = new Set();
    for (const backend of pool.backends) {
      present.add(backend.address);
      const key = keyOf(name, backend.address);
      const figures = derive(key, backend, bounds, now);
      point.set(key, figures);
      const { cells } = backendRow(view, name, backend.address);
      const state = backend.health?.ejectedUntil ? 'ejected' : backend.state;
      cells.state.replaceChildren(element('span', `badge ${state}`, state));
      cells.state.dataset.state = state;
      cells.weight.textContent = backend.weight;
      cells.effective.textContent = backend.effectiveWeight;
      cells.active.textContent = backend.activeConnections;
      cells.rate.textContent = rate(figures.rate);
      cells.errors.textContent = percent(figures.errorRate);
      cells.p50.textContent = milliseconds(figures.p50);
      cells.p99.textContent = milliseconds(figures.p99);
      cells.ewma.textContent = milliseconds(backend.ewmaMs);
      renderChecks(cells.checks, backend.health?.checks);
      const admin = backend.health?.admin ?? 'enabled';
      for (const button of cells.actions.children) {
        button.disabled = ACTIONS.some(([verb, result]) => button.classList.contains(verb) && result === admin);
      }
    }
    for (const [address, row] of view.rows) {
      if (present.has(address)) continue;
      row.tr.remove();
      view.rows.delete(address);
    }
  }

  function renderSplits(splits) {
    byId('splits-section').hidden = !splits || splits.length === 0;
    if (!splits) return;
    byId('splits').replaceChildren(
      ...splits.map((split) => {
        const table = element('table');
        const head = element('tr');
        for (const column of [`route ${split.route}: pool`, 'weight', 'configured share', 'observed share', 'requests (since start)']) {
          head.append(element('th', '', column));
        }
        table.append(head);
        const weights = split.arms.reduce((sum, arm) => sum + arm.weight, 0);
        const requests = split.arms.reduce((sum, arm) => sum + arm.requests, 0);
        for (const arm of split.arms) {
          const row = element('tr');
          const observed = requests > 0 ? arm.requests / requests : null;
          const bar = element('span', 'share');
          bar.style.width = `${Math.round((observed ?? 0) * 80)}px`;
          const share = element('td', '', percent(observed));
          share.prepend(bar);
          row.append(
            element('td', '', arm.pool),
            element('td', '', String(arm.weight)),
            element('td', '', percent(arm.weight / weights)),
            share,
            element('td', '', String(arm.requests)),
          );
          table.append(row);
        }
        return table;
      }),
    );
  }

  // ---- history charts ----

  function chartWidth(id) {
    return Math.max(300, byId(id).parentElement.clientWidth - 16);
  }

  function makeChart(id, keys, unit) {
    const options = {
      width: chartWidth(id),
      height: 220,
      series: [{}, ...keys.map((key, index) => ({ label: key, stroke: COLORS[index % COLORS.length], width: 1.5, value: unit }))],
      axes: [{}, { size: 56 }],
      scales: { y: { range: (_chart, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    };
    byId(id).replaceChildren();
    return new uPlot(options, [[]], byId(id));
  }

  function renderCharts() {
    const keys = [...history.series.keys()];
    const signature = keys.join('\n');
    if (!charts || charts.signature !== signature) {
      charts?.rate.destroy();
      charts?.p99.destroy();
      charts = {
        signature,
        rate: makeChart('chart-rate', keys, (_chart, value) => (value === null ? dash : `${rate(value)} ${rateUnit}`)),
        p99: makeChart('chart-p99', keys, (_chart, value) => (value === null ? dash : `${milliseconds(value)} ms`)),
      };
    }
    charts.rate.setData([history.times, ...keys.map((key) => history.series.get(key).rate)]);
    charts.p99.setData([history.times, ...keys.map((key) => history.series.get(key).p99)]);
  }

  window.addEventListener('resize', () => {
    charts?.rate.setSize({ width: chartWidth('chart-rate'), height: 220 });
    charts?.p99.setSize({ width: chartWidth('chart-p99'), height: 220 });
  });

  function render(stats, now) {
    rateUnit = RATE_UNITS[stats.mode] ?? 'picks/s';
    byId('rate-caption').textContent = `${rateUnit}, by backend`;
    renderProcess(stats);
    const bounds = stats.latencyBucketsMs ?? [];
    const point = new Map();
    for (const [name, pool] of Object.entries(stats.pools)) renderPool(name, pool, bounds, now, point);
    for (const [name, view] of poolViews) {
      if (name in stats.pools) continue;
      view.section.remove();
      poolViews.delete(name);
    }
    renderSplits(stats.dataPlane?.splits);
    record(now, point);
    renderCharts();
  }

  // ---- actions ----

  async function act(pool, address, verb) {
    const path = `/pools/${encodeURIComponent(pool)}/backends/${encodeURIComponent(address)}/${verb}`;
    let response;
    try {
      response = await fetch(path, { method: 'POST', headers: authorization() });
    } catch (error) {
      return notify(`${verb} ${address}: ${error.message}`);
    }
    if (response.status === 401) return askForToken('the token was refused; enter it again');
    const answer = await response.json().catch(() => ({}));
    notify(response.ok ? `${address} in pool ${pool}: ${answer.admin}` : `${verb} ${address}: ${answer.error ?? response.status}`);
  }

  connect();
})();
