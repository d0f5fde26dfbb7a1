// `vlp doctor` lists all five backends with a reason for each missing one, in text and JSON.
import { BACKEND_NAMES, releaseBackends } from '@vlp/tensor-core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createProgram } from '../program.js';
import { doctor, formatDoctor } from './doctor.js';

afterAll(() => releaseBackends());

describe('vlp doctor', () => {
  it('reports every backend, each missing one with its reason', async () => {
    const report = await doctor();
    expect(report.backends.map((b) => b.name)).toEqual([...BACKEND_NAMES]);
    for (const b of report.backends) {
      if (!b.available) expect(b.reason?.length ?? 0).toBeGreaterThan(0);
    }
    const tensorflow = report.backends.find((b) => b.name === 'tensorflow');
    expect(tensorflow).toMatchObject({ available: false });
    expect(tensorflow?.reason).toMatch(/tfjs-node-gpu not installed/);
    expect(report.backends.find((b) => b.name === 'cpu')?.available).toBe(true);
    expect(report.auto).toBeDefined();

    const text = formatDoctor(report);
    const rows = text.split('\n');
    for (const name of BACKEND_NAMES) expect(rows.some((row) => row.startsWith(`${name} `))).toBe(true);
    expect(text).toMatch(/^tensorflow\s+missing\s+tfjs-node-gpu not installed/m);
    expect(text).toContain(`auto selects: ${report.auto}`);
  });

  it('prints JSON with --json through the commander program', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await createProgram().parseAsync(['node', 'vlp', 'doctor', '--json']);
      expect(log).toHaveBeenCalledTimes(1);
      const parsed = JSON.parse(String(log.mock.calls[0]?.[0])) as { backends: { name: string }[] };
      expect(parsed.backends.map((b) => b.name)).toEqual([...BACKEND_NAMES]);
    } finally {
      log.mockRestore();
    }
  });
});
