/** Open vSwitch for labs: checks the daemons answer and starts them (userspace datapath needs no kernel module) when they do not. */
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { run, whichSystem } from './exec.js';
import { delay, systemClock } from '../core/clock.js';

/** Debian's openvswitch-switch control script. */
const OVS_CTL = '/usr/share/openvswitch/scripts/ovs-ctl';
/** One lock for every caller (`signalbox lab`, the test harness through ensureOvs), so parallel runs never start OVS twice. */
const START_LOCK = '/tmp/signalbox-ovs-start.lock';

/** The path of an Open vSwitch tool; throws, naming the install script, when it is not installed. */
export function ovsTool(name: string): string {
  const p = whichSystem(name);
  if (!p) throw new Error(`Open vSwitch is not installed: ${name} not found (run scripts/install-deps.sh as root)`);
  return p;
}

/** True when ovsdb-server and ovs-vswitchd both answer. */
export async function ovsRunning(): Promise<boolean> {
  try {
    await run(ovsTool('ovs-vsctl'), ['--timeout=2', 'show'], { timeoutMs: 4_000 });
    await run(ovsTool('ovs-appctl'), ['--timeout=2', '-t', 'ovs-vswitchd', 'version'], { timeoutMs: 4_000 });
    return true;
  } catch {
    return false;
  }
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = systemClock.now() + 60_000;
  for (;;) {
    try {
      await mkdir(START_LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = await stat(START_LOCK).catch(() => undefined);
      if (st && systemClock.now() - st.mtimeMs > 60_000) await rmdir(START_LOCK).catch(() => undefined);
      if (systemClock.now() > deadline) throw new Error(`${START_LOCK} held for over 60 s`);
      await delay(systemClock, 100);
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(START_LOCK).catch(() => undefined);
  }
}

/**
 * Makes sure OVS runs; resolves true when this call started it (so the caller may stop it),
 * false when it was already running. Throws when OVS is not installed or does not come up.
 */
export async function ensureOvs(): Promise<boolean> {
  ovsTool('ovs-vsctl');
  ovsTool('ovs-appctl');
  try {
    accessSync(OVS_CTL, fsConstants.X_OK);
  } catch {
    throw new Error(`Open vSwitch is not installed: ${OVS_CTL} not found (run scripts/install-deps.sh as root)`);
  }
  if (await ovsRunning()) return false;
  return withLock(async () => {
    if (await ovsRunning()) return false;
    // --system-id=random: no hostname-derived id needed; --no-mlockall: containers often cap locked memory.
    await run(OVS_CTL, ['start', '--system-id=random', '--no-mlockall'], { timeoutMs: 60_000 });
    const until = systemClock.now() + 15_000;
    while (!(await ovsRunning())) {
      if (systemClock.now() > until) throw new Error('ovs-ctl start returned but ovs-vswitchd does not answer (see /var/log/openvswitch/ovs-vswitchd.log)');
      await delay(systemClock, 200);
    }
    return true;
  });
}

/** Stops the OVS daemons (only for a caller that started them). */
export async function stopOvs(): Promise<void> {
  await run(OVS_CTL, ['stop'], { timeoutMs: 60_000 });
}

/**
 * Empties the datapath flow cache of every bridge (`ovs-appctl revalidator/purge`), so the next
 * packets are looked up in the OpenFlow tables afresh. A megaflow a previous run left (the same
 * hosts, ports and addresses) outlives the OpenFlow flows it came from: OVS's revalidators
 * rewrite it only some time after each flow table change, and until then it answers for the
 * flows just installed.
 */
export async function purgeDatapathFlows(): Promise<void> {
  await run(ovsTool('ovs-appctl'), ['--timeout=5', '-t', 'ovs-vswitchd', 'revalidator/purge'], { timeoutMs: 10_000 });
}
