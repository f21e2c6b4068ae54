import { UsageError } from '@csi/core';
import { describe, expect, it } from 'vitest';
import { applyOverride, parseSetArgument } from './overrides.js';
import { toPlainValue, type SourceMap } from './source-tree.js';
import { parseSpecText } from './yaml-reader.js';

describe('parseSetArgument', () => {
  it.each([
    ['train.epochs=3', ['train', 'epochs'], '3'],
    ['train.loss[1].weight=0.5', ['train', 'loss', 1, 'weight'], '0.5'],
    ['protocol.options.normalClasses=[3]', ['protocol', 'options', 'normalClasses'], '[3]'],
    ['name=a=b', ['name'], 'a=b'],
    ['train.shift=', ['train', 'shift'], ''],
  ])('parses %s', (text, path, valueText) => {
    expect(parseSetArgument(text)).toEqual({ path, valueText, argument: `--set ${text}` });
  });

  it.each([
    ['train.epochs', '--set train.epochs: expected path=value, e.g. --set train.epochs=3'],
    ['=3', '--set =3: expected path=value, e.g. --set train.epochs=3'],
    ['train..epochs=3', '--set train..epochs=3: "train..epochs" is not a spec path'],
    ['train.loss[x]=3', '--set train.loss[x]=3: "train.loss[x]" is not a spec path'],
    ['extends=base.yaml', '--set extends=base.yaml: extends cannot be overridden'],
  ])('rejects %s', (text, message) => {
    const call = () => parseSetArgument(text);
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });
});

describe('applyOverride', () => {
  const spec = (): SourceMap => parseSpecText('train:\n  shift: [rotation]\n', '/spec.yaml') as SourceMap;

  it('appends at the index one past the end', () => {
    const root = spec();
    applyOverride(root, parseSetArgument('train.shift[1]=noise'));
    expect(toPlainValue(root)).toEqual({ train: { shift: ['rotation', 'noise'] } });
  });

  it('rejects an index further past the end', () => {
    expect(() => applyOverride(spec(), parseSetArgument('train.shift[3]=noise'))).toThrow(
      '--set train.shift[3]=noise: train.shift has 1 items, so [3] is past its end; use an index up to 1',
    );
  });

  it('creates the maps on the way', () => {
    const root = spec();
    applyOverride(root, parseSetArgument('eval.ensemble.samples=10'));
    expect(toPlainValue(root)).toEqual({ train: { shift: ['rotation'] }, eval: { ensemble: { samples: 10 } } });
  });

  it('rejects an index into a map', () => {
    expect(() => applyOverride(spec(), parseSetArgument('train[0]=1'))).toThrow(
      '--set train[0]=1: cannot set item [0] because train is a map, not a list',
    );
  });
});
