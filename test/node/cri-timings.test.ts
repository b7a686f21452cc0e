// Measures the CRI floor that the kubelet's pod startup is compared with (shared/CRI-NOTES.md's table): a fresh
// node (containerd ready, pause built and imported, 2 images imported, first nginx pod answering), then 10
// sequential nginx pods timing RunPodSandbox, CreateContainer, StartContainer, "RunPodSandbox → HTTP 200 on the
// pod IP" and teardown. Medians are printed as test diagnostics; the assertions only catch gross regressions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importImages } from '../../src/node/images/index.js';
import { containerdSkipReason, startTestContainerd, waitForHttp } from '../support/containerd.js';
import { testImages } from '../support/images.js';

const skip = containerdSkipReason(['busybox', 'nginx']);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

test('CRI timings: fresh node and 10 sequential nginx pods', { skip }, async (t) => {
  const files = testImages(['busybox', 'nginx']); // built (or cached) before the clock starts
  const t0 = performance.now();
  const node = await startTestContainerd();
  t.after(() => node.stop());
  const ready = performance.now() - t0;
  await importImages(node.runtime.endpoint, [files.busybox, files.nginx]);
  const imported = performance.now() - t0;

  const rows: Record<string, number[]> = { run: [], create: [], start: [], answer: [], teardown: [] };
  for (let i = 0; i < 11; i++) {
    const cfg = node.sandboxConfig(`timing-${i}`);
    const a = performance.now();
    const sb = await node.client.runPodSandbox(cfg);
    const b = performance.now();
    const id = await node.client.createContainer(sb, { metadata: { name: 'nginx' }, image: { image: 'nginx' } }, cfg);
    const c = performance.now();
    await node.client.startContainer(id);
    const d = performance.now();
    const ip = (await node.client.podSandboxStatus(sb)).status!.network!.ip;
    const res = await waitForHttp(`http://${ip}/`);
    assert.equal(res.status, 200);
    const e = performance.now();
    await node.client.stopPodSandbox(sb);
    await node.client.removePodSandbox(sb);
    const f = performance.now();
    if (i === 0) {
      t.diagnostic(`fresh node: CRI ready + pause ${ready.toFixed(0)} ms (containerd ${node.runtime.timings.criReady} ms, pause image ${node.runtime.timings.pauseImage} ms), +2 images ${imported.toFixed(0)} ms, first pod answering and torn down ${(f - t0).toFixed(0)} ms`);
      continue; // the first pod warms caches; the table covers the next 10, as CRI-NOTES does
    }
    rows.run!.push(b - a);
    rows.create!.push(c - b);
    rows.start!.push(d - c);
    rows.answer!.push(e - a);
    rows.teardown!.push(f - e);
  }
  for (const [step, xs] of Object.entries(rows)) {
    t.diagnostic(`${step.padEnd(9)} median ${median(xs).toFixed(0)} ms  min ${Math.min(...xs).toFixed(0)}  max ${Math.max(...xs).toFixed(0)}`);
  }
  assert.ok(median(rows.answer!) < 5000, `RunPodSandbox → HTTP 200 median ${median(rows.answer!)} ms`);
});
