import { describe, expect, it } from 'vitest';
import { aggregateCells, summariseRuns } from '../../src/sweep/aggregate.js';
import type { SweepColumn } from '../../src/sweep/cells.js';

describe('summariseRuns', () => {
  it('gives mean and sample std of three runs', () => {
    // mean 0.9; squared deviations 0.01 + 0 + 0.01 over n − 1 = 2 gives variance 0.01.
    const summary = summariseRuns([0.8, 0.9, 1.0]);
    expect(summary.n).toBe(3);
    expect(summary.mean).toBeCloseTo(0.9, 12);
    expect(summary.std).toBeCloseTo(0.1, 12);
  });

  it('divides by n − 1, not n', () => {
    // mean 5; squared deviations sum to 32; sample variance 32 / 7 (the population one is 32 / 8 = 4).
    const summary = summariseRuns([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(summary.mean).toBe(5);
    expect(summary.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(summary.std).not.toBeCloseTo(2, 3);
  });

  it('has no std for one run', () => {
    expect(summariseRuns([0.75])).toEqual({ n: 1, mean: 0.75, std: null });
  });

  it('has no mean for no runs', () => {
    expect(summariseRuns([])).toEqual({ n: 0, mean: null, std: null });
  });

  it('leaves out values that are not finite', () => {
    expect(summariseRuns([1, Number.NaN, 3, Number.POSITIVE_INFINITY])).toEqual({ n: 2, mean: 2, std: Math.SQRT2 });
  });

  it('gives std 0 for equal runs', () => {
    expect(summariseRuns([0.5, 0.5]).std).toBe(0);
  });
});

describe('aggregateCells', () => {
  const columns: SweepColumn[] = [
    { name: 'seed', paths: ['seed'], labelled: false, aggregated: true },
    { name: 'score', paths: ['eval.score'], labelled: false, aggregated: false },
    { name: 'normalClasses', paths: ['protocol.options.normalClasses'], labelled: false, aggregated: true },
  ];
  const cell = (seed: number, score: string, normal: number, auroc?: number) => ({
    columnValues: [seed, score, [normal]],
    metrics: auroc === undefined ? undefined : { auroc, aupr: auroc / 2 },
  });

  it('groups by the values that are not aggregated over', () => {
    const rows = aggregateCells(
      columns,
      [cell(0, 'csi', 0, 0.9), cell(0, 'con-si', 0, 0.6), cell(0, 'csi', 1, 0.7), cell(1, 'csi', 0, 0.8), cell(1, 'con-si', 1, 0.5)],
      ['auroc', 'aupr'],
    );
    expect(rows.map((row) => row.columnValues)).toEqual([['csi'], ['con-si']]);
    expect(rows[0]!.cellCount).toBe(3);
    expect(rows[0]!.finished).toBe(3);
    expect(rows[0]!.metrics.auroc!.mean).toBeCloseTo(0.8, 12);
    expect(rows[0]!.metrics.auroc!.std).toBeCloseTo(0.1, 12);
    expect(rows[0]!.metrics.aupr!.mean).toBeCloseTo(0.4, 12);
    expect(rows[1]!.metrics.auroc!.mean).toBeCloseTo(0.55, 12);
    expect(rows[1]!.metrics.auroc!.std).toBeCloseTo(Math.sqrt(0.005), 12);
  });

  it('counts only finished cells', () => {
    const rows = aggregateCells(columns, [cell(0, 'csi', 0, 0.9), cell(1, 'csi', 0), cell(2, 'csi', 0, 0.7)], ['auroc']);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.cellCount).toBe(3);
    expect(rows[0]!.finished).toBe(2);
    expect(rows[0]!.metrics.auroc).toEqual({ n: 2, mean: expect.closeTo(0.8, 12), std: expect.closeTo(Math.SQRT2 / 10, 12) });
  });

  it('makes one row when every column is aggregated over', () => {
    const replicates = columns.filter((column) => column.aggregated);
    const rows = aggregateCells(
      replicates,
      [
        { columnValues: [0, [0]], metrics: { auroc: 1 } },
        { columnValues: [1, [0]], metrics: { auroc: 0 } },
      ],
      ['auroc'],
    );
    expect(rows).toEqual([{ columnValues: [], cellCount: 2, finished: 2, metrics: { auroc: { n: 2, mean: 0.5, std: Math.SQRT1_2 } } }]);
  });

  it('tells values apart by content, not by key order', () => {
    const components: SweepColumn[] = [{ name: 'shift', paths: ['train.shift'], labelled: false, aggregated: false }];
    const rows = aggregateCells(
      components,
      [
        { columnValues: [[{ name: 'rotation', options: {} }]], metrics: { auroc: 0.6 } },
        { columnValues: [[{ options: {}, name: 'rotation' }]], metrics: { auroc: 0.8 } },
        { columnValues: [[]], metrics: { auroc: 0.5 } },
      ],
      ['auroc'],
    );
    expect(rows.map((row) => row.cellCount)).toEqual([2, 1]);
  });
});
