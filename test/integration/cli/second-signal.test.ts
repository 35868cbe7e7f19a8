// A second SIGTERM while a drain waits on live traffic ends the process at once with exit 1, as the docs
// promise; Node's own teardown used to abort (exit 134) on a worker still holding a uWS handle.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { CLI, type RunningProcess, startForTest } from '../../helpers/fulcrum-process.js';
import { startHoldingBackend } from '../../helpers/l4-servers.js';
import { freePort, startOrigin } from '../../helpers/origins.js';

const cleanup = cleanupAfterEach();

async function waitForOutput(fulcrum: RunningProcess, text: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fulcrum.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${fulcrum.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Opens a connection and sends `bytes`, so the drain has something live to wait for. */
function openClient(port: number, bytes: string, cleanupTo: typeof cleanup): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      resolve(socket);
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
    cleanupTo.add(socket, (open) => open.destroy());
  });
}

async function secondSignalExits(fulcrum: RunningProcess, port: number, bytes: string): Promise<void> {
  await openClient(port, bytes, cleanup);
  // Let the request reach the worker (or the connection the native thread) before the drain starts.
  await new Promise((resolve) => setTimeout(resolve, 300));
  fulcrum.child.kill('SIGTERM');
  await waitForOutput(fulcrum, '"draining"');
  fulcrum.child.kill('SIGTERM');
  expect(await fulcrum.exited).toBe(1);
  expect(fulcrum.output(), fulcrum.output()).toContain('second signal: exiting without waiting for the drain');
  expect(fulcrum.output()).not.toContain('Assertion failed');
}

describe('a second SIGTERM during the drain', () => {
  it('exits 1 in http mode with a request in flight', async () => {
    // The origin never answers, so the request stays in flight through the drain.
    const silent = cleanup.add(await startOrigin('silent', () => undefined), (origin) => origin.close());
    const port = await freePort();
    const env = {
      FULCRUM_BACKENDS: silent.address,
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_WORKERS: '2',
      FULCRUM_ADMIN_LISTEN: 'off',
      FULCRUM_HEALTH_CHECK: 'off',
    };
    const fulcrum = await startForTest(cleanup, CLI, [], env, 'fulcrum is serving');
    await secondSignalExits(fulcrum, port, 'GET / HTTP/1.1\r\nhost: test\r\n\r\n');
  });

  it('exits 1 in tcp mode with a connection open', async () => {
    const holding = await startHoldingBackend();
    cleanup.add(holding, (backend) => backend.close());
    const port = await freePort();
    const env = {
      FULCRUM_MODE: 'tcp',
      FULCRUM_BACKENDS: holding.address,
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_WORKERS: '2',
      FULCRUM_ADMIN_LISTEN: 'off',
    };
    const fulcrum = await startForTest(cleanup, CLI, [], env, 'fulcrum is serving');
    await secondSignalExits(fulcrum, port, 'hello');
  });
});
