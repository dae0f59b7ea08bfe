/**
 * Who a process is, beyond its id. A process id is reused: after a reboot, and in a container
 * restarted with the same trainer as process 1 again. So whatever records a process (a run
 * folder's lock, a save's temporary sibling) is checked against more than the id: the machine's
 * boot id and the process's start time. Linux gives both in /proc; elsewhere they are unknown and
 * the id alone decides, as before. Plain Node.
 */
import * as fs from 'fs';
import * as os from 'os';

/** What names one process among every process this machine ever ran. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  /** The kernel's boot id (/proc/sys/kernel/random/boot_id); absent where unknown. */
  readonly bootId?: string;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22); absent where unknown. */
  readonly startTicks?: number;
}

/** Whether a process with this id runs on this machine (a permission error means it does). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This boot's id, or undefined off Linux. */
export function bootId(): string | undefined {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** When process `pid` started, in clock ticks since boot; undefined when it is gone or off Linux. */
export function processStartTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  // The fields after it start at field 3 (state); the start time is field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[22 - 3]);
  return Number.isInteger(ticks) && ticks >= 0 ? ticks : undefined;
}

/** Clock ticks per second of /proc's times (USER_HZ, 100 on every mainstream Linux architecture). */
const TICKS_PER_SECOND = 100;

function bootTimeMs(): number | undefined {
  try {
    const m = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
    return m ? Number(m[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When process `pid` started, in wall-clock milliseconds (at most a second early: the boot time
 * is whole seconds); undefined when it is gone or off Linux.
 */
export function processStartedAtMs(pid: number): number | undefined {
  const ticks = processStartTicks(pid);
  const boot = bootTimeMs();
  return ticks === undefined || boot === undefined ? undefined : boot + (ticks * 1000) / TICKS_PER_SECOND;
}

/** This process's identity. */
export function currentProcess(): ProcessIdentity {
  const boot = bootId();
  const ticks = processStartTicks(process.pid);
  return {
    pid: process.pid,
    host: os.hostname(),
    ...(boot !== undefined ? { bootId: boot } : {}),
    ...(ticks !== undefined ? { startTicks: ticks } : {}),
  };
}

/**
 * Whether the process `id` names still runs: `alive`, `gone` (its id is free, or now names
 * another process: another boot, another start time), or `unknown` (it ran on another host,
 * whose processes this machine cannot see).
 */
export function processState(id: ProcessIdentity, host = os.hostname()): 'alive' | 'gone' | 'unknown' {
  if (id.host !== host) return 'unknown';
  const boot = bootId();
  if (id.bootId !== undefined && boot !== undefined && id.bootId !== boot) return 'gone';
  if (!processAlive(id.pid)) return 'gone';
  if (id.startTicks !== undefined) {
    const now = processStartTicks(id.pid);
    if (now !== undefined && now !== id.startTicks) return 'gone';
  }
  return 'alive';
}

/**
 * Whether a process that stamped something at `stampedAtMs` (wall clock) may still be at work:
 * false when no process has its id, or when the process with its id started after the stamp (the
 * id was reused). `slackMs` absorbs small clock adjustments.
 */
export function writerMayBeAlive(pid: number, stampedAtMs: number, slackMs = 2000): boolean {
  if (pid !== process.pid && !processAlive(pid)) return false;
  const started = processStartedAtMs(pid);
  return started === undefined || started <= stampedAtMs + slackMs;
}
