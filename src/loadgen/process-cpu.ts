/** CPU time of processes, for load runs that weigh a controller's cost per round trip. */
import { readFileSync } from 'node:fs';

/** User and system CPU time, ms. */
export interface CpuTime {
  readonly userMs: number;
  readonly systemMs: number;
}

/**
 * Clock ticks a second in /proc/PID/stat's times: the kernel's USER_HZ, which is 100 on every
 * architecture Node runs on (sysconf(_SC_CLK_TCK)).
 */
const USER_HZ = 100;

/**
 * The CPU a process (all its threads) has used so far, from /proc/PID/stat (Linux); undefined
 * where that cannot be read (another OS, a process gone or not ours to see).
 */
export function processCpuTime(pid: number): CpuTime | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After the command name (in parentheses, which may hold spaces and parentheses): utime is field 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(f[11]);
  const system = Number(f[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) return undefined;
  return { userMs: (user * 1000) / USER_HZ, systemMs: (system * 1000) / USER_HZ };
}

/** This process's CPU so far (all its threads), from the runtime. */
export function ownCpuTime(): CpuTime {
  const u = process.cpuUsage();
  return { userMs: u.user / 1000, systemMs: u.system / 1000 };
}

/** `b` minus `a`. */
export function cpuBetween(a: CpuTime, b: CpuTime): CpuTime {
  return { userMs: b.userMs - a.userMs, systemMs: b.systemMs - a.systemMs };
}
