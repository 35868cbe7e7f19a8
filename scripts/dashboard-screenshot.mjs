// Makes docs/dashboard.png, the README's picture of the dashboard: starts dist/cli.js with two pools and a
// 90/10 split over local origins (one slow, one that dies), drives a minute of light traffic, drains one
// backend and photographs the page in Debian's Chromium. Run `npx tsc -p tsconfig.build.json` first.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const TRAFFIC_SECONDS = Number(process.env.TRAFFIC_SECONDS ?? 60);
const OUTPUT = new URL('../docs/dashboard.png', import.meta.url).pathname;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function origin(delayMs) {
  const server = createServer((_request, response) => setTimeout(() => response.end('ok'), delayMs()));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${server.address().port}` };
}

async function freePort() {
  const { server } = await origin(() => 0);
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const origins = {
  web1: await origin(() => Math.random() * 4),
  web2: await origin(() => Math.random() * 4),
  web3: await origin(() => 15 + Math.random() * 10),
  web4: await origin(() => Math.random() * 4),
  canary: await origin(() => 2 + Math.random() * 6),
};
const [port, adminPort] = [await freePort(), await freePort()];
const config = join(mkdtempSync(join(tmpdir(), 'fulcrum-shot-')), 'fulcrum.yaml');
writeFileSync(
  config,
  JSON.stringify({
    pools: {
      web: { algorithm: 'least-connections', backends: ['web1', 'web2', 'web3', 'web4'].map((name) => origins[name].address) },
      canary: { backends: [origins.canary.address] },
    },
    routes: [
      {
        match: { pathPrefix: '/' },
        split: [
          { pool: 'web', weight: 90 },
          { pool: 'canary', weight: 10 },
        ],
      },
    ],
  }),
);
const fulcrum = spawn(process.execPath, [new URL('../dist/cli.js', import.meta.url).pathname], {
  env: {
    ...process.env,
    FULCRUM_CONFIG: config,
    FULCRUM_LISTEN: `127.0.0.1:${port}`,
    FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    FULCRUM_WORKERS: '2',
    FULCRUM_HEALTH_CHECK: 'http:/',
    FULCRUM_HEALTH_INTERVAL: '1s',
    FULCRUM_LOG_LEVEL: 'warn',
  },
  stdio: 'inherit',
});
await sleep(1_500);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`http://127.0.0.1:${adminPort}/`);
  // Light traffic at a rate that swells and ebbs, 8 requests in flight at most.
  const started = Date.now();
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const elapsed = (Date.now() - started) / 1000;
      await fetch(`http://127.0.0.1:${port}/`)
        .then((response) => response.text())
        .catch(() => undefined);
      await sleep(20 + 15 * Math.sin(elapsed / 6));
    }
  };
  const clients = Array.from({ length: 8 }, client);
  await sleep((TRAFFIC_SECONDS * 1000) / 2);
  origins.web4.server.closeAllConnections();
  origins.web4.server.close();
  await sleep((TRAFFIC_SECONDS * 1000) / 4);
  await page.click(`tr[data-backend="${origins.web2.address}"] button.drain`);
  await sleep((TRAFFIC_SECONDS * 1000) / 4);
  await page.screenshot({ path: OUTPUT, fullPage: true });
  console.log(`wrote ${OUTPUT}`);
  stopped = true;
  await Promise.all(clients);
} finally {
  await browser.close();
  fulcrum.kill('SIGTERM');
  for (const { server } of Object.values(origins)) server.close();
}
