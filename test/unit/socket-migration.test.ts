// Reading net.ipv4.tcp_migrate_req and what Fulcrum logs about it at start-up and at reload.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { logNewDataPlane, socketMigration, warnIfNoSocketMigration } from '../../src/socket-migration.js';

function sysctlFile(value: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fulcrum-sysctl-')), 'tcp_migrate_req');
  writeFileSync(path, value);
  return path;
}

function recordingLogger(): { logger: Logger; lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const record = (level: string) => (_fields: object, message: string) => lines.push({ level, message });
  return { logger: { info: record('info'), warn: record('warn') } as unknown as Logger, lines };
}

describe('socket migration (net.ipv4.tcp_migrate_req)', () => {
  it.each([
    ['1\n', 'on'],
    ['0\n', 'off'],
  ] as const)('reads %j as %s', (value, expected) => {
    expect(socketMigration(sysctlFile(value))).toBe(expected);
  });

  it('is unsupported where the kernel has no such sysctl', () => {
    expect(socketMigration('/proc/sys/net/ipv4/no_such_setting')).toBe('unsupported');
  });

  it('warns at start-up how to enable it when off, and says nothing when on', () => {
    const { logger, lines } = recordingLogger();
    warnIfNoSocketMigration(logger, 'on');
    expect(lines).toEqual([]);
    warnIfNoSocketMigration(logger, 'off');
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.message).toContain('sysctl -w net.ipv4.tcp_migrate_req=1');
  });

  it('says at reload whether the old listeners hand their queued connections over', () => {
    const { logger, lines } = recordingLogger();
    logNewDataPlane(logger, ['workers'], 'on');
    logNewDataPlane(logger, ['workers'], 'unsupported');
    expect(lines.map((line) => line.level)).toEqual(['info', 'warn']);
    expect(lines[0]?.message).toContain('its queued connections migrate to the new listeners');
    expect(lines[1]?.message).toContain('may be reset: this kernel has no net.ipv4.tcp_migrate_req (it needs Linux 5.14+)');
  });
});
