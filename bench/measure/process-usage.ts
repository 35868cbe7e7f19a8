// Reads CPU time and memory of a process and all its descendants (threads included) from /proc.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessTreeUsage {
  /** User + system CPU seconds of every live process in the tree, all threads included. */
  cpuSeconds: number;
  /** Sum of each process's peak resident set (VmHWM): an upper bound of the tree's peak. */
  peakMemoryBytes: number;
  /** Sum of each process's current resident set (VmRSS). */
  residentMemoryBytes: number;
}

const CLOCK_TICKS_PER_SECOND = readClockTicks();

function readClockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Fields of /proc/PID/stat after the command name, which may itself hold spaces and parentheses. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let threadIds: string[];
  try {
    threadIds = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const threadId of threadIds) {
    try {
      const listed = readFileSync(`/proc/${pid}/task/${threadId}/children`, 'utf8').trim();
      if (listed) children.push(...listed.split(' ').map(Number));
    } catch {
      // The thread ended while we listed it.
    }
  }
  return children;
}

function processTree(rootPid: number): number[] {
  const tree: number[] = [];
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    tree.push(pid);
    pending.push(...childrenOf(pid));
  }
  return tree;
}

function statusKilobytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export function readProcessTreeUsage(rootPid: number): ProcessTreeUsage {
  let ticks = 0;
  let peakKilobytes = 0;
  let residentKilobytes = 0;
  for (const pid of processTree(rootPid)) {
    const fields = statFields(pid);
    // Fields 14 and 15 of stat (utime, stime) cover every thread of the process.
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
    peakKilobytes += statusKilobytes(pid, 'VmHWM');
    residentKilobytes += statusKilobytes(pid, 'VmRSS');
  }
  return {
    cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND,
    peakMemoryBytes: peakKilobytes * 1024,
    residentMemoryBytes: residentKilobytes * 1024,
  };
}

/** CPU seconds of this process's children that have exited and been reaped (wrk, iperf3 runs). */
export function reapedChildrenCpuSeconds(): number {
  const fields = statFields(process.pid);
  // Fields 16 and 17 of stat: cutime and cstime.
  return fields ? (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND : 0;
}

/** CPU seconds of this process (the load generator when it is autocannon in worker threads). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
