/**
 * Cluster mode end to end: three real `signalbox start` processes (built: `npm run build` first;
 * `npm run test:lab` does) share one etcd, and a Mininet linear,4 network lists all three as
 * controllers. kill -9 of the busiest master, restart, SIGSTOP/SIGCONT, and the API of every
 * instance (cluster status, one topology, writes on any instance). The processes, etcd and what
 * they say about mastership come from test/harness/cluster-processes.ts.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/exec.js';
import { startLab, type LabSwitch } from '../harness/mininet.js';
import { flowSet, mastered, ProcessCluster, requireBuilt, sleep, type ClusterJson, type Instance } from '../harness/cluster-processes.js';

const TTL_SEC = 3;

let cluster: ProcessCluster | undefined;

beforeAll(() => requireBuilt());

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** Three instances, then linear,4 with all three as controllers, settled: one master per switch everywhere. */
async function bringUp(): Promise<{ c: ProcessCluster; sws: LabSwitch[] }> {
  // A returning instance is held down before it gets switches back (10 s by default, tested in
  // cluster-etcd and cluster-failover); short here so the rejoin is seen within the waits below.
  const c = (cluster = new ProcessCluster({ apps: 'l2-learning', leaseTtlSec: TTL_SEC, settings: ['cluster.holdDownMs=1000'] }));
  await c.startEtcd();
  for (const id of ['c1', 'c2', 'c3']) await c.startInstance(id);
  c.lab = await startLab({ kind: 'linear', n: 4 }, { controllers: c.instances.map((i) => `tcp:127.0.0.1:${i.ofPort}`), waitConnectedMs: 30_000 });
  const sws = await c.lab.switches();
  await waitFor(() => c.settled(sws, c.instances), { timeoutMs: 30_000, intervalMs: 200, message: c.diagnosed('one master per switch, agreed by every instance and OVS') });
  return { c, sws };
}

describe('three `signalbox start` processes, linear,4 in Mininet', () => {
  it('every instance lists the cluster and the whole topology; a write on a non-master reaches the switch; kill -9 of the busiest master: new masters within TTL + 1 s, a continuous ping loses under 1 s, no flow lost; restarted, it masters switches again', async () => {
    const { c, sws } = await bringUp();
    const instances = c.instances;
    const hexes = sws.map((s) => s.dpid).sort();

    // /api/v1/cluster on every instance: all three members, healthy, and who masters what (real wiring).
    const views = await Promise.all(instances.map((i) => c.clusterOf(i)));
    for (const [k, v] of views.entries()) {
      expect(v.mode).toBe('cluster');
      expect(v.instanceId).toBe(instances[k]!.id);
      expect(v.members.map((m) => m.instanceId)).toEqual(['c1', 'c2', 'c3']);
      expect(v.members.every((m) => m.health === 'healthy')).toBe(true);
      expect(v.members.filter((m) => m.self).map((m) => m.instanceId)).toEqual([instances[k]!.id]);
      for (const m of v.members) {
        const inst = instances.find((i) => i.id === m.instanceId)!;
        expect(m.api).toBe(`127.0.0.1:${inst.apiPort}`);
        expect(m.openflow).toBe(`127.0.0.1:${inst.ofPort}`);
        expect(m.connected).toEqual(hexes);
        expect(m.masterOf).toEqual(mastered(v, m.instanceId));
      }
      expect(v.switches.map((s) => s.dpid)).toEqual(hexes);
    }
    const load = views[0]!.members.map((m) => m.masterOf.length).sort();
    expect(load).toEqual([1, 1, 2]);

    // Reads on any instance show the whole network: the same switches, links and hosts on all three.
    await c.lab!.pingAll({ count: 1, timeoutSec: 2 }); // hosts announce themselves
    const topoKey = async (i: Instance): Promise<string> => {
      const t = (await c.api(i, 'GET', '/api/v1/topology')).json as { switches: { dpid: string }[]; links: { src: unknown; dst: unknown }[]; hosts: { mac: string; location: unknown }[] };
      return JSON.stringify({
        switches: t.switches.map((s) => s.dpid).sort(),
        links: t.links.map((l) => JSON.stringify([l.src, l.dst])).sort(),
        hosts: t.hosts.map((h) => JSON.stringify([h.mac, h.location])).sort(),
      });
    };
    let topos: string[] = [];
    await waitFor(
      async () => {
        topos = await Promise.all(instances.map(topoKey));
        const t = JSON.parse(topos[0]!) as { switches: string[]; links: string[]; hosts: string[] };
        return topos.every((x) => x === topos[0]) && t.switches.length === 4 && t.links.length === 6 && t.hosts.length === 4;
      },
      { timeoutMs: 20_000, intervalMs: 250, message: c.diagnosed('the same topology on all three (4 switches, 6 directed links, 4 hosts)') },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${topos.join('\n')}`);
    });
    const warm = await c.lab!.pingAll({ count: 1, timeoutSec: 2 });
    expect(warm.loss).toBe(0);

    // A write on an instance that does not master the switch reaches the switch.
    const c0 = views[0]!;
    const target = c0.switches[0]!;
    const bystander = instances.find((i) => i.id !== target.master)!;
    const sw = sws.find((s) => s.dpid === target.dpid)!;
    const flow = { tableId: 0, priority: 4321, match: [{ field: 'eth_type', value: 0x88b5 }], actions: [] };
    const w = await c.api(bystander, 'POST', `/api/v1/switches/${target.dpid}/flows`, flow);
    expect(w.status, JSON.stringify(w.json)).toBe(201);
    expect(w.servedBy).toBe(target.master);
    expect([...(await flowSet(sw.bridge))].some((f) => f.includes('priority=4321') && f.includes('dl_type=0x88b5'))).toBe(true);

    // kill -9 of the instance that masters two switches, under a continuous ping end to end.
    const victim = instances.find((i) => mastered(c0, i.id).length === 2)!;
    const theirs = mastered(c0, victim.id);
    const survivors = instances.filter((i) => i !== victim);
    const before = new Map<string, Set<string>>();
    for (const s of sws) before.set(s.bridge, await flowSet(s.bridge));
    const intervalSec = 0.05;
    const ping = c.lab!.ping('h1', 'h4', { count: 240, intervalSec, timeoutSec: 1 });
    // A fixed wait on purpose: the ping runs undisturbed for a while before the failure, so its
    // loss measures the failover and not the start.
    await sleep(2_000);
    const t0 = performance.now();
    const wall0 = Date.now();
    victim.proc!.kill('SIGKILL');
    await victim.exited;
    await waitFor(
      async () => {
        const m = await c.apiMasters(survivors);
        return theirs.every((d) => m.has(d));
      },
      { timeoutMs: 15_000, intervalMs: 50, message: c.diagnosed('survivors master the victim\'s switches (confirmed by the switches\' role replies)') },
    );
    const failoverMs = performance.now() - t0;
    const result = await ping;
    const lost = result.transmitted - result.received;
    console.log(`kill -9 ${victim.id}: new masters after ${Math.round(failoverMs)} ms; ping h1→h4 lost ${lost} of ${result.transmitted} at ${intervalSec * 1000} ms intervals\n${c.timeline(wall0)}`);
    expect(failoverMs).toBeLessThan((TTL_SEC + 1) * 1000);
    expect(lost * intervalSec).toBeLessThan(1);
    // Open vSwitch's database shows the new roles a little later.
    await waitFor(() => c.settled(sws, survivors), { timeoutMs: 10_000, intervalMs: 200, message: c.diagnosed('settled on the two survivors') });
    for (const s of sws) {
      const after = await flowSet(s.bridge);
      expect([...before.get(s.bridge)!].filter((f) => !after.has(f)), `flows lost on ${s.name}`).toEqual([]);
    }
    expect((await c.lab!.pingAll({ count: 1, timeoutSec: 2 })).loss).toBe(0);

    // Restarted with the same id and ports: it joins, and the masters are spread over three again.
    c.launch(victim);
    await c.waitReady(victim);
    await waitFor(async () => (await c.settled(sws, instances)) && mastered(await c.clusterOf(survivors[0]!), victim.id).length >= 1, { timeoutMs: 20_000, intervalMs: 200, message: c.diagnosed('rebalanced over three instances') });
    const again = await c.clusterOf(survivors[0]!);
    expect(mastered(again, victim.id).length).toBeGreaterThanOrEqual(1);
    expect(again.members.map((m) => m.masterOf.length).sort()).toEqual([1, 1, 2]);
    expect((await c.lab!.pingAll({ count: 1, timeoutSec: 2 })).loss).toBe(0);

    // SIGTERM: a clean stop (exit 0 within the 5 s shutdown limit) that hands its switches over
    // at once, without waiting for its lease to expire.
    const leaving = mastered(again, victim.id);
    const t1 = performance.now();
    const wall1 = Date.now();
    victim.proc!.kill('SIGTERM');
    await waitFor(
      async () => {
      const m = await c.apiMasters(survivors);
      return leaving.every((d) => m.has(d));
    },
      { timeoutMs: 10_000, intervalMs: 50, message: c.diagnosed('survivors master the leaving instance\'s switches') },
    );
    const handoverMs = performance.now() - t1;
    await victim.exited;
    const exitMs = performance.now() - t1;
    console.log(`SIGTERM ${victim.id}: switches handed over after ${Math.round(handoverMs)} ms, exited ${String(victim.proc!.exitCode)} after ${Math.round(exitMs)} ms\n${c.timeline(wall1)}`);
    expect(victim.proc!.exitCode).toBe(0);
    expect(exitMs).toBeLessThan(6_000);
    expect(handoverMs).toBeLessThan(TTL_SEC * 1000 - 500);
    await waitFor(() => c.settled(sws, survivors), { timeoutMs: 10_000, intervalMs: 200, message: c.diagnosed('settled on the two others after SIGTERM') });
  });

  it('SIGSTOP: the stopped instance\'s switches move to the others, no switch ever has two masters; on SIGCONT it demotes itself, then rejoins', async () => {
    const { c, sws } = await bringUp();
    const instances = c.instances;
    const c0 = await c.clusterOf(instances[0]!);
    const victim = instances.find((i) => mastered(c0, i.id).length === 2) ?? instances.find((i) => mastered(c0, i.id).length > 0)!;
    const theirs = mastered(c0, victim.id);
    const oldGen = new Map(c0.switches.map((x) => [x.dpid, x.generationId!]));
    const survivors = instances.filter((i) => i !== victim);

    // Watch Open vSwitch all along: ovsMasters throws if a bridge ever has two master controllers.
    let watching = true;
    // Samples taken while the victim is stopped and after it resumes: the invariant must have been
    // checked in both phases (a count over the whole test would pass with a watch starved early).
    let phase: 'before' | 'stopped' | 'resumed' = 'before';
    const samples = { before: 0, stopped: 0, resumed: 0 };
    let watchError: Error | undefined;
    const watch = (async () => {
      while (watching) {
        try {
          const during = phase;
          await c.ovsMasters(sws);
          samples[during]++;
        } catch (e) {
          watchError ??= e as Error;
        }
        // A sampler, not a wait: it checks the invariant every 50 ms for as long as the test runs.
        await sleep(50);
      }
    })();

    try {
      victim.proc!.kill('SIGSTOP');
      victim.stopped = true;
      phase = 'stopped';
      const t0 = performance.now();
      const wall0 = Date.now();
      await waitFor(
        async () => {
          const m = await c.apiMasters(survivors);
          return theirs.every((d) => m.has(d));
        },
        { timeoutMs: 15_000, intervalMs: 50, message: c.diagnosed('the survivors master the stopped instance\'s switches') },
      );
      const moveMs = performance.now() - t0;
      console.log(`SIGSTOP ${victim.id}: its switches moved after ${Math.round(moveMs)} ms\n${c.timeline(wall0)}`);
      expect(moveMs).toBeLessThan((TTL_SEC + 1) * 1000);
      await waitFor(() => c.settled(sws, survivors), { timeoutMs: 10_000, intervalMs: 200, message: c.diagnosed('settled on the two others') });
      // Stay stopped well past the TTL: the new terms are established while it sleeps.
      await sleep(1_000);

      // Its first words after waking may come before its API answers: read the log from here.
      const wallSigcont = Date.now();
      victim.proc!.kill('SIGCONT');
      victim.stopped = false;
      phase = 'resumed';
      // First it demotes itself: it masters nothing it lost, its gate refuses writes there, and
      // OVS never saw it as master again (the watch). Sample its own view as soon as it answers.
      let first: ClusterJson | undefined;
      await waitFor(async () => (first = await c.clusterOf(victim).catch(() => undefined)) !== undefined, { timeoutMs: 10_000, intervalMs: 20, message: c.diagnosed('the resumed instance answers') });
      const wallCont = Date.now();
      for (const d of theirs) {
        const row = first!.switches.find((s) => s.dpid === d);
        expect(row?.localRole, `${victim.id} on ${d} right after SIGCONT`).not.toBe('master');
      }
      // A write sent to it for a switch it lost: it does not write itself (refused, or handed to
      // the switch's real master), and the switch still has it as a slave.
      const lost = theirs[0]!;
      const w = await c.api(victim, 'POST', `/api/v1/switches/${lost}/flows`, { priority: 4999, match: [{ field: 'eth_type', value: 0x88b6 }], actions: [] });
      console.log(`write to ${victim.id} right after SIGCONT: ${w.status} ${JSON.stringify(w.json)}${w.servedBy ? ` served by ${w.servedBy}` : ''}`);
      // Accepted and handed to a master, or refused as retryable while a handover is under way.
      expect([201, 503], JSON.stringify(w.json)).toContain(w.status);
      if (w.status === 201) expect(survivors.map((i) => i.id)).toContain(w.servedBy);
      const ovsNow = await c.ovsMasters(sws);
      for (const d of theirs) expect(ovsNow.get(d)).not.toBe(victim.id);
      await waitFor(() => c.timeline(wallSigcont).includes(`${victim.id}  no keepalive confirmed`) || c.timeline(wallSigcont).includes(`${victim.id}  lost the cluster lease`), { timeoutMs: 5_000, intervalMs: 100, message: c.diagnosed('it says it demoted itself') });
      // Then it rejoins under a new lease, and the masters are spread over three again.
      await waitFor(async () => (await c.settled(sws, instances)) && mastered(await c.clusterOf(victim), victim.id).length >= 1, { timeoutMs: 20_000, intervalMs: 200, message: c.diagnosed('rejoined and rebalanced') });
      console.log(`after SIGCONT:\n${c.timeline(wallCont)}`);
      const back = await c.clusterOf(victim);
      // The stopped instance's old terms stay refused by the switches: asking for the master role
      // with such a generation id now gets OFPRRFC_STALE from Open vSwitch, and the master stays.
      for (const d of theirs) {
        const holder = back.switches.find((x) => x.dpid === d)!.master!;
        const other = instances.find((i) => i.id !== holder)!;
        const r = await c.api(other, 'PUT', `/api/v1/switches/${d}/role`, { role: 'master', generationId: oldGen.get(d)! });
        expect(r.status, `${other.id} asking ${d} for master with stale generation ${oldGen.get(d)!}: ${JSON.stringify(r.json)}`).toBeGreaterThanOrEqual(400);
        const still = await c.api(instances.find((i) => i.id === holder)!, 'GET', `/api/v1/switches/${d}/role`);
        expect((still.json as { role: string }).role).toBe('master');
      }
      expect(back.health).toBe('healthy');
      expect(mastered(back, victim.id).length).toBeGreaterThanOrEqual(1);
      expect(back.members.map((m) => m.instanceId)).toEqual(['c1', 'c2', 'c3']);
    } finally {
      watching = false;
      await watch;
    }
    expect(watchError).toBeUndefined();
    // Each phase lasts seconds (the TTL, the settling, the rejoin); a sample is one ovs-vsctl read.
    expect(samples.stopped, JSON.stringify(samples)).toBeGreaterThanOrEqual(3);
    expect(samples.resumed, JSON.stringify(samples)).toBeGreaterThanOrEqual(3);
  });
});
