// A second Fulcrum on a port another process listens on exits 2 with a message saying so, instead of
// sharing the port through SO_REUSEPORT and silently taking half its traffic; FULCRUM_REUSE_PORT=true
// shares it on purpose (a binary upgrade without downtime).
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { tempConfigPath, writeConfig } from '../../helpers/config-file.js';
import { CLI, runCliAsync, startForTest } from '../../helpers/fulcrum-process.js';
import { freePort, startOrigin } from '../../helpers/origins.js';

const cleanup = cleanupAfterEach();

describe.each(['http', 'tcp'] as const)('%s mode: a port another process listens on', (mode) => {
  async function environment(): Promise<Record<string, string>> {
    const origin = cleanup.add(await startOrigin('origin'), (started) => started.close());
    return {
      FULCRUM_MODE: mode,
      FULCRUM_BACKENDS: origin.address,
      FULCRUM_LISTEN: `127.0.0.1:${await freePort()}`,
      FULCRUM_ADMIN_LISTEN: 'off',
    };
  }

  it('is refused with exit code 2 and a message naming the address and FULCRUM_REUSE_PORT', async () => {
    const env = await environment();
    const first = await startForTest(cleanup, CLI, [], env, 'fulcrum is serving');
    const second = await runCliAsync([], env);
    expect(second.status).toBe(2);
    expect(second.stderr).toContain(`fulcrum: another process already listens on ${env.FULCRUM_LISTEN}`);
    expect(second.stderr).toContain('FULCRUM_REUSE_PORT=true');
    expect(first.child.exitCode).toBeNull();
    expect(await (await fetch(`http://${env.FULCRUM_LISTEN}/`)).text()).toBe('origin');
  });

  it('is refused also when the other process is not a Fulcrum and does not use SO_REUSEPORT', async () => {
    const env = await environment();
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(Number(env.FULCRUM_LISTEN!.split(':')[1]), '127.0.0.1', resolve));
    cleanup.add(other, (server) => new Promise((resolve) => server.close(resolve)));
    const second = await runCliAsync([], env);
    expect(second.status).toBe(2);
    expect(second.stderr).toContain('another process already listens on');
  });

  it('is shared on purpose with FULCRUM_REUSE_PORT=true: the new process serves once the old one has drained', async () => {
    const env = await environment();
    const old = await startForTest(cleanup, CLI, [], env, 'fulcrum is serving');
    const upgraded = await startForTest(cleanup, CLI, [], { ...env, FULCRUM_REUSE_PORT: 'true' }, 'fulcrum is serving');
    old.child.kill('SIGTERM');
    expect(await old.exited).toBe(0);
    expect(upgraded.child.exitCode).toBeNull();
    expect(await (await fetch(`http://${env.FULCRUM_LISTEN}/`)).text()).toBe('origin');
  });

  it('is refused to a reload that moves the listener onto it, and the old address keeps serving', async () => {
    const env = await environment();
    await startForTest(cleanup, CLI, [], env, 'fulcrum is serving');
    const [ownPort, admin] = [await freePort(), await freePort()];
    const configPath = tempConfigPath('fulcrum.yaml');
    writeConfig(configPath, [`listen: 127.0.0.1:${ownPort}`]);
    // Listen comes from the config file alone, so the reload can move it.
    const { FULCRUM_LISTEN: taken, ...others } = env;
    const movingEnv = { ...others, FULCRUM_CONFIG: configPath, FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}` };
    const moving = await startForTest(cleanup, CLI, [], movingEnv, 'fulcrum is serving');
    writeConfig(configPath, [`listen: ${taken}`]);
    moving.child.kill('SIGHUP');
    await waitForStats(admin, (stats) => stats.reloads.rejected === 1, 5_000);
    // The log is written asynchronously: the line may land just after the counter moved.
    await expect.poll(() => moving.output(), { timeout: 2_000 }).toContain(`another process already listens on ${taken}`);
    expect(await (await fetch(`http://127.0.0.1:${ownPort}/`)).text()).toBe('origin');
  });
});
