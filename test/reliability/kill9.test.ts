// kill -9 during training (issue 10): a child process trains a tiny model with the real Trainer on the cpu
// backend, checkpointing every 3 steps; the test SIGKILLs it at seeded random moments (some after a chosen
// step, some while a checkpoint directory is being written), chosen by polling the run directory and the
// metrics file, never by sleeping. After every kill: each checkpoint with a manifest verifies (sha256),
// every metrics line parses, and the next start resumes from exactly the newest complete checkpoint. At
// the end the final weights and optimizer state equal an uninterrupted run's within 1e-6.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { latestCheckpoint, loadCheckpoint, Rng, selectBackend, verifyCheckpoint } from '@vlp/tensor-core';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Figures } from './_figures.js';

const TOTAL = 36;
const EVERY = 3;
const TRIALS = 6;
const figures = new Figures('kill9');
let root: string;
let script: string;

beforeAll(async () => {
  await selectBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'vlp-kill9-'));
  script = join(root, 'train-child.mjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, '_train-child.ts')],
    outfile: script,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@vlp/source'],
    logLevel: 'warning',
    // Optional native backends are never loaded on cpu.
    external: ['sharp', 'onnxruntime-node', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
});

afterAll(async () => {
  figures.write();
  if (root) await rm(root, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(dir: string): Child {
  const proc = spawn(process.execPath, [script, dir, String(TOTAL), String(EVERY)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  proc.stdout?.on('data', (d: Buffer) => stdout.push(d.toString()));
  proc.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (r) => proc.on('close', (code, signal) => r({ code, signal })), // after stdout/stderr drained
  );
  return { proc, stdout, stderr, exited };
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** Bytes in the metrics file now (where a new life's records start). */
async function metricsSize(dir: string): Promise<number> {
  return readFile(join(dir, 'metrics.jsonl')).then(
    (b) => b.length,
    () => 0,
  );
}

/**
 * Highest `step` the metrics file records after byte `from` (0 when none), polled while the child runs.
 * Every complete line must parse; the last line is left out until its newline lands (the child may be
 * appending it as we read, which made this poll fail now and then).
 */
async function metricsStep(dir: string, from = 0): Promise<number> {
  let text: string;
  try {
    text = (await readFile(join(dir, 'metrics.jsonl'))).subarray(from).toString('utf8');
  } catch {
    return 0;
  }
  let max = 0;
  const lines = text.split('\n');
  lines.pop(); // '' after the final newline, or the line still being written
  for (const line of lines) {
    if (line === '') continue;
    const r = JSON.parse(line) as { type: string; step: number };
    if (r.type === 'step') max = Math.max(max, r.step);
  }
  return max;
}

/** A checkpoint file being written right now by process `pid` (its atomic-write temp file exists). */
async function saveInProgress(dir: string, pid: number | undefined): Promise<boolean> {
  const steps = (await readdir(dir).catch(() => [] as string[])).filter((d) => d.startsWith('step-'));
  for (const s of steps) {
    const files = await readdir(join(dir, s)).catch(() => [] as string[]);
    if (files.some((f) => f.includes(`.tmp-${pid}-`))) return true;
  }
  return false;
}

/** Polls (yielding to the event loop between looks) until `ready()` or the child exits. */
async function killWhen(child: Child, ready: () => Promise<boolean>): Promise<boolean> {
  let over = false;
  void child.exited.then(() => {
    over = true;
  });
  while (!over) {
    if (await ready()) {
      child.proc.kill('SIGKILL');
      const { signal } = await child.exited;
      return signal === 'SIGKILL';
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  return false;
}

/** Checks every checkpoint on disk; returns [complete, incomplete]. Throws on a corrupt complete one. */
async function audit(dir: string): Promise<[number, number]> {
  let complete = 0;
  let incomplete = 0;
  for (const s of (await readdir(dir)).filter((d) => d.startsWith('step-'))) {
    if (await exists(join(dir, s, 'manifest.json'))) {
      await verifyCheckpoint(join(dir, s)); // throws on any size or sha256 mismatch
      complete++;
    } else incomplete++;
  }
  return [complete, incomplete];
}

async function tensorsOf(dir: string): Promise<Record<string, number[]>> {
  const ck = await loadCheckpoint(dir, { allowNonFinite: false });
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(ck.model)) out[`model/${k}`] = Array.from(t.dataSync());
  for (const [k, t] of Object.entries(ck.optimizer ?? {})) out[`opt/${k}`] = Array.from(t.dataSync());
  tf.dispose([...Object.values(ck.model), ...Object.values(ck.optimizer ?? {})]);
  return out;
}

describe('kill -9 during training', () => {
  it(`${TRIALS} SIGKILLs at seeded moments: resume from the last complete checkpoint, nothing corrupt, same final weights`, async () => {
    const straight = join(root, 'straight');
    const ref = start(straight);
    expect((await ref.exited).code, ref.stderr.join('')).toBe(0);

    const dir = join(root, 'killed');
    const rng = new Rng(2026);
    let kills = 0;
    let midSave = 0;
    let expectedFrom: string | null = null;
    const resumedFroms: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const from0 = await metricsSize(dir);
      const resumeStep = expectedFrom === null ? 0 : Number(/step-(\d+)$/.exec(expectedFrom)?.[1]);
      const child = start(dir);
      // Even trials: kill after a seeded number of steps past the resume point. Odd trials: let one
      // checkpoint land in this life, then kill while the next one is being written.
      let landedMidSave = false;
      const mode = trial % 2 === 1 ? 'during a checkpoint write' : 'after a random step';
      const target = Math.min(TOTAL - 2, resumeStep + 1 + Math.floor(rng.uniform() * 2 * EVERY));
      const killed = await killWhen(child, async () => {
        const at = await metricsStep(dir, from0);
        if (mode === 'after a random step') return at >= target;
        landedMidSave = at > resumeStep + EVERY && (await saveInProgress(dir, child.proc.pid));
        return landedMidSave || at >= TOTAL - 2;
      });
      const first = child.stdout.join('').split('\n')[0];
      if (first) {
        const from = (JSON.parse(first) as { resumedFrom: string | null }).resumedFrom;
        expect(from, `trial ${trial}`).toBe(expectedFrom);
        resumedFroms.push(from ?? 'fresh start');
      }
      expect(killed, `trial ${trial}: the child ended before the kill: ${child.stderr.join('')}`).toBe(true);
      kills++;
      const [, incomplete] = await audit(dir);
      // The kill was sent while a temp file existed; the save may still have finished before it landed.
      landedMidSave &&= incomplete > 0;
      if (landedMidSave) midSave++;
      figures.count(
        'SIGKILL during training',
        `Trainer (${mode})`,
        landedMidSave ? 'killed mid-save; resumed from the previous checkpoint' : 'resumed',
      );
      expectedFrom = (await latestCheckpoint(dir)) ?? null;
    }
    const last = start(dir);
    const end = await last.exited;
    expect(end.code, last.stderr.join('')).toBe(0);
    expect(JSON.parse(last.stdout.join('').split('\n')[0] ?? '{}').resumedFrom).toBe(expectedFrom);
    const [complete, incomplete] = await audit(dir);
    expect([complete, incomplete]).toEqual([TOTAL / EVERY, 0]); // every killed save was redone
    for (const s of await readdir(dir)) {
      if (s.startsWith('step-'))
        expect((await readdir(join(dir, s))).filter((f) => f.includes('.tmp-'))).toEqual([]);
    }

    const finalName = `step-${String(TOTAL).padStart(8, '0')}`;
    const want = await tensorsOf(join(straight, finalName));
    const got = await tensorsOf(join(dir, finalName));
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    let maxDiff = 0;
    for (const [k, w] of Object.entries(want)) {
      const g = got[k] as number[];
      expect(g.length).toBe(w.length);
      w.forEach((x, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(x - (g[i] as number)));
      });
    }
    console.log(
      `kill -9: ${kills} kills (${midSave} mid-save), resumed from ${resumedFroms.join(', ')}; max |straight - killed| = ${maxDiff}`,
    );
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    figures.crashesSurvived = kills;
    figures.filesLost = 0; // audit() threw otherwise
    figures.notes.push(
      `${kills} SIGKILLs (${midSave} landed while a checkpoint was being written); final weights and optimizer state ` +
        `of ${Object.keys(want).length} tensors equal the uninterrupted run's: max |diff| = ${maxDiff}`,
    );
  });
});
