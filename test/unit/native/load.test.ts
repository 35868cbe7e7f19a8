import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { native } from '../../../src/native/load.js';

describe('native addon loading', () => {
  it('loads in the main thread', () => {
    expect(native.buildInfo.napiVersion).toBeGreaterThanOrEqual(8);
    expect(native.buildInfo.cppStandard).toBeGreaterThanOrEqual(202002);
  });

  it('loads in a worker thread through the same loader', async () => {
    const loader = new URL('../../../dist/native/load.js', import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(loader)}).then(({ native }) => require('node:worker_threads').parentPort.postMessage(native.buildInfo))`,
      { eval: true },
    );
    const info = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(info).toEqual(native.buildInfo);
  });

  it('a missing addon fails with one error naming what was tried and the fix', async () => {
    const { execFileSync } = await import('node:child_process');
    const loader = new URL('../../../dist/native/load.js', import.meta.url).href;
    let stderr = '';
    try {
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import(${JSON.stringify(loader)}).catch((e) => { console.error(e.code + ': ' + e.message); process.exit(3); })`,
        ],
        {
          env: { ...process.env, FULCRUM_ADDON_PATH: '/nonexistent/fulcrum.node' },
          encoding: 'utf8',
          stdio: 'pipe',
        },
      );
    } catch (error) {
      stderr = (error as { stderr: string }).stderr;
    }
    expect(stderr).toContain('FULCRUM_ERR_ADDON_LOAD');
    expect(stderr).toContain('/nonexistent/fulcrum.node');
    expect(stderr).toContain('npm run build:native');
  });
});
