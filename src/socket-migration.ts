// Whether the kernel hands connections queued on a closing listener to another one of its SO_REUSEPORT
// group, which is what lets a reload that starts a new data plane retire the old listeners without
// resetting clients. Fulcrum turns it on for its own listeners with an eBPF program where it may load
// one (CAP_BPF, e.g. as root: 'bpf'); otherwise it depends on net.ipv4.tcp_migrate_req (Linux 5.14+),
// read per call: the sysctl belongs to the process's network namespace and may change while Fulcrum runs.
import { readFileSync } from 'node:fs';
import type { Logger } from './log.js';
import { native } from './native/load.js';

export type SocketMigration = 'bpf' | 'on' | 'off' | 'unsupported';

const SYSCTL_PATH = '/proc/sys/net/ipv4/tcp_migrate_req';

export const ENABLE_SOCKET_MIGRATION =
  'sysctl -w net.ipv4.tcp_migrate_req=1 (per network namespace: in a container, e.g. docker run --sysctl net.ipv4.tcp_migrate_req=1)';

export function socketMigration(path = SYSCTL_PATH): SocketMigration {
  try {
    return readFileSync(path, 'utf8').trim() === '0' ? 'off' : 'on';
  } catch {
    return 'unsupported';
  }
}

/** After a data plane listens on `port`: attaches the migration program to the port's listener group (the
 * group outlives its members, so once per new plane covers the old and new listeners alike). */
export function enableSocketMigration(port: number): SocketMigration {
  return native.enableListenerMigration(port).attached > 0 ? 'bpf' : socketMigration();
}

function howToEnable(migration: SocketMigration): string {
  return migration === 'off'
    ? `Fulcrum may not load its eBPF program (it needs CAP_BPF) and net.ipv4.tcp_migrate_req is 0; grant the capability or enable the sysctl with: ${ENABLE_SOCKET_MIGRATION}`
    : 'this kernel has no net.ipv4.tcp_migrate_req (it needs Linux 5.14+)';
}

/** At start-up: says once, when migration is off, what a reload may cost and how to avoid it. */
export function warnIfNoSocketMigration(logger: Logger, migration = socketMigration()): void {
  if (migration === 'on' || migration === 'bpf') return;
  logger.warn(
    { socketMigration: migration },
    `a reload that starts a new data plane may reset the few new connections queued on the old listeners when they close: ${howToEnable(migration)}`,
  );
}

/** At reload: the line that says a new data plane started, and whether the old one's queued connections move over. */
export function logNewDataPlane(logger: Logger, changed: string[], migration = socketMigration()): void {
  if (migration === 'on' || migration === 'bpf') {
    logger.info(
      { changed, socketMigration: migration },
      'started a new data plane; the previous one drains, its queued connections migrate to the new listeners',
    );
    return;
  }
  logger.warn(
    { changed, socketMigration: migration },
    `started a new data plane; the previous one drains, and connections queued on its listeners may be reset: ${howToEnable(migration)}`,
  );
}
