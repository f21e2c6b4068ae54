import { describe, expect, it } from 'vitest';
import { buildAxes, formatBlockPath } from '../../src/sweep/axes.js';
import { canonicalJson, sanitise, slugValue } from '../../src/sweep/cell-id.js';
import { buildColumns, expandCells } from '../../src/sweep/cells.js';
import { DEFAULT_AGGREGATE_OVER, type SweepSettings } from '../../src/sweep/settings.js';

function settingsOf(block: Partial<SweepSettings>): SweepSettings {
  return { aggregateOver: [...DEFAULT_AGGREGATE_OVER], shareTraining: true, scoringOnly: [], ...block };
}

function expand(block: Partial<SweepSettings>) {
  const settings = settingsOf(block);
  const { axes, problems } = buildAxes(settings);
  expect(problems).toEqual([]);
  const columns = buildColumns(axes, settings.aggregateOver);
  const expansion = expandCells(axes, columns);
  return { axes, columns, ...expansion };
}

describe('grid expansion', () => {
  it('makes the cartesian product, first axis slowest', () => {
    const { cells, problems } = expand({ grid: { seed: [0, 1], 'protocol.options.normalClasses': [[0], [1], [2]] } });
    expect(problems).toEqual([]);
    expect(cells).toHaveLength(6);
    expect(cells.map((cell) => cell.assignments.map((assignment) => assignment.value))).toEqual([
      [0, [0]],
      [0, [1]],
      [0, [2]],
      [1, [0]],
      [1, [1]],
      [1, [2]],
    ]);
    expect(cells.map((cell) => cell.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('derives ids from the values', () => {
    const { cells } = expand({ grid: { seed: [0, 1], 'protocol.options.normalClasses': [[0], [1, 2]] } });
    expect(cells.map((cell) => cell.id)).toEqual([
      'seed-0_normalClasses-0',
      'seed-0_normalClasses-1+2',
      'seed-1_normalClasses-0',
      'seed-1_normalClasses-1+2',
    ]);
  });

  it('keeps the ids of existing cells when a value is added', () => {
    const before = expand({ grid: { seed: [0], 'eval.score': ['con-si', 'csi'] } }).cells.map((cell) => cell.id);
    const after = expand({ grid: { seed: [0, 1], 'eval.score': ['con-si', 'cls-si', 'csi'] } }).cells.map((cell) => cell.id);
    for (const id of before) expect(after).toContain(id);
    expect(after).toHaveLength(6);
  });

  it('records each value with its parsed path and source', () => {
    const { cells } = expand({ grid: { 'train.loss[1].weight': [0.5, 1] } });
    expect(cells[0]!.assignments).toEqual([
      { path: 'train.loss[1].weight', segments: ['train', 'loss', 1, 'weight'], value: 0.5, source: ['grid', 'train.loss[1].weight', 0] },
    ]);
    expect(cells[1]!.id).toBe('weight-1');
  });

  it('names components and lists of components in ids', () => {
    const { cells } = expand({
      grid: { 'train.shift': [['rotation'], [], [{ name: 'rotation', options: {} }, 'cut-perm']] },
    });
    expect(cells.map((cell) => cell.id)).toEqual(['shift-rotation', 'shift-none', 'shift-rotation+cut-perm']);
  });
});

describe('zip expansion', () => {
  const zip = {
    name: 'rotation',
    labels: ['shift', 'align', 'absent'],
    values: {
      'train.shift': [['rotation'], [], []],
      'train.align': [['crop'], ['crop', 'rotation'], ['crop']],
    },
  };

  it('varies the lists of a group together', () => {
    const { cells } = expand({ zip: [zip] });
    expect(cells).toHaveLength(3);
    expect(cells.map((cell) => cell.assignments.map((assignment) => [assignment.path, assignment.value]))).toEqual([
      [
        ['train.shift', ['rotation']],
        ['train.align', ['crop']],
      ],
      [
        ['train.shift', []],
        ['train.align', ['crop', 'rotation']],
      ],
      [
        ['train.shift', []],
        ['train.align', ['crop']],
      ],
    ]);
  });

  it('uses the labels in ids and one column', () => {
    const { cells, columns } = expand({ zip: [zip] });
    expect(cells.map((cell) => cell.id)).toEqual(['rotation-shift', 'rotation-align', 'rotation-absent']);
    expect(columns).toEqual([{ name: 'rotation', paths: ['train.shift', 'train.align'], labelled: true, aggregated: false }]);
    expect(cells.map((cell) => cell.columnValues)).toEqual([['shift'], ['align'], ['absent']]);
  });

  it('multiplies groups with the grid', () => {
    const { cells } = expand({ grid: { seed: [0, 1] }, zip: [zip, { values: { 'eval.score': ['con', 'csi'], 'train.epochs': [1, 2] } }] });
    expect(cells).toHaveLength(2 * 3 * 2);
    expect(cells[0]!.id).toBe('seed-0_rotation-shift_score-con_epochs-1');
    expect(cells[11]!.id).toBe('seed-1_rotation-absent_score-csi_epochs-2');
  });

  it('leaves out the group name when it has none', () => {
    const { cells } = expand({ zip: [{ labels: ['small', 'large'], values: { 'train.epochs': [1, 10] } }] });
    expect(cells.map((cell) => cell.id)).toEqual(['small', 'large']);
  });
});

describe('columns', () => {
  it('marks replicate paths as aggregated', () => {
    const { columns } = expand({ grid: { seed: [0], 'protocol.options.normalClasses': [[0]], 'eval.score': ['csi'] } });
    expect(columns.map((column) => [column.name, column.aggregated])).toEqual([
      ['seed', true],
      ['normalClasses', true],
      ['score', false],
    ]);
  });

  it('uses whole paths when last keys repeat', () => {
    const { columns, cells } = expand({ grid: { 'train.batchSize': [8], 'eval.batchSize': [64] } });
    expect(columns.map((column) => column.name)).toEqual(['train.batchSize', 'eval.batchSize']);
    expect(cells[0]!.id).toBe('train.batchSize-8_eval.batchSize-64');
  });
});

describe('sweep block problems', () => {
  it('rejects zip lists of different lengths', () => {
    const { problems } = buildAxes(settingsOf({ zip: [{ values: { 'train.epochs': [1, 2, 3], 'eval.score': ['con', 'csi'] } }] }));
    expect(problems).toEqual([
      {
        at: ['zip', 0, 'values', 'eval.score'],
        message: 'has 2 values but "train.epochs" in the same group has 3; the lists of a zip group vary together, so they need the same length',
      },
    ]);
  });

  it('rejects a label count that differs', () => {
    const { problems } = buildAxes(settingsOf({ zip: [{ labels: ['a'], values: { 'train.epochs': [1, 2] } }] }));
    expect(problems).toEqual([{ at: ['zip', 0, 'labels'], message: 'has 1 labels for 2 values; give one label per value' }]);
  });

  it('rejects a path swept twice or inside another', () => {
    const { problems } = buildAxes(
      settingsOf({ grid: { seed: [0], 'train.loss': [[]] }, zip: [{ values: { seed: [1], 'train.loss[0].weight': [2] } }] }),
    );
    expect(problems.map((problem) => problem.at)).toEqual([
      ['zip', 0, 'values', 'seed'],
      ['zip', 0, 'values', 'train.loss[0].weight'],
    ]);
    expect(problems[0]!.message).toBe('sweeps seed, which sweep.grid.seed sweeps already; sweep each path once');
    expect(problems[1]!.message).toContain('overlaps train.loss swept by sweep.grid["train.loss"]');
  });

  it('rejects keys that are not spec paths', () => {
    const { problems } = buildAxes(
      settingsOf({ grid: { 'train epochs': [1], 'sweep.grid': [{}] }, aggregateOver: ['seed', '9lives'], scoringOnly: ['eval..score'] }),
    );
    expect(problems.map((problem) => problem.at)).toEqual([['grid', 'train epochs'], ['grid', 'sweep.grid'], ['aggregateOver', 1], ['scoringOnly', 0]]);
    expect(problems[0]!.message).toContain('"train epochs" is not a spec path');
    expect(problems[1]!.message).toContain('lies inside the sweep block');
  });

  it('rejects a block without axes', () => {
    const { problems } = buildAxes(settingsOf({}));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('has no grid entries and no zip groups, so it has no cells');
  });

  it('rejects values that would share an id', () => {
    const settings = settingsOf({
      grid: { 'train.shift': [[{ name: 'rotation', options: { quarterTurns: [0, 2] } }], ['rotation']] },
    });
    const { axes } = buildAxes(settings);
    const { problems } = expandCells(axes, buildColumns(axes, settings.aggregateOver));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('cells 1 and 2 would both get the id "shift-rotation"');
    expect(problems[0]!.message).toContain('sweep.grid["train.shift"]');
    expect(problems[0]!.message).toContain('labels');
  });

  it('compares ids without case', () => {
    const settings = settingsOf({ zip: [{ labels: ['Big', 'big'], values: { 'train.epochs': [1, 2] } }] });
    const { axes } = buildAxes(settings);
    expect(expandCells(axes, buildColumns(axes, settings.aggregateOver)).problems).toHaveLength(1);
  });
});

describe('cell id parts', () => {
  it.each([
    [0.001, '0.001'],
    [-1, '-1'],
    [null, 'null'],
    [true, 'true'],
    ['a/b c', 'a-b-c'],
    [[], 'none'],
    [[0, 1], '0+1'],
    [{ samples: 10, cropScale: 0.54 }, 'samples-10+cropScale-0.54'],
    [{ name: 'con-si', weight: 1, options: { temperature: 0.2 } }, 'con-si'],
  ])('%j becomes %s', (value, slug) => {
    expect(slugValue(value)).toBe(slug);
  });

  it('shortens long parts with a hash', () => {
    const long = 'x'.repeat(100);
    const part = sanitise(long);
    expect(part).toHaveLength(48);
    expect(part).toMatch(/^x{39}-[0-9a-f]{8}$/);
    expect(sanitise(`${long}y`)).not.toBe(part);
  });

  it('sorts keys in canonical JSON', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });

  it('quotes dotted keys in block paths', () => {
    expect(formatBlockPath(['grid', 'protocol.options.normalClasses', 1])).toBe('sweep.grid["protocol.options.normalClasses"][1]');
    expect(formatBlockPath(['zip', 0, 'labels'])).toBe('sweep.zip[0].labels');
  });
});
