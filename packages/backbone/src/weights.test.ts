import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DataError, RandomSource, type Network } from '@csi/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildResNet, type ResNetOptions } from './resnet-network.js';
import { countParameters, getWeights, setWeights } from './weights.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SMALL: ResNetOptions = { blocksPerStage: [1, 1, 1, 1], widthMultiplier: 0.0625 };

const built: Network[] = [];
afterEach(() => {
  for (const network of built.splice(0)) network.dispose();
});

function build(seed: number, options: ResNetOptions = SMALL, imageShape: [number, number, number] = [8, 8, 3]): Network {
  const network = buildResNet(options, { imageShape, numShifts: 4, projectionSize: 8, random: RandomSource.fromSeed(seed) });
  built.push(network);
  return network;
}

function captureError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('countParameters', () => {
  it('counts ResNet-18 as torchvision does', () => {
    // torchvision's CIFAR ResNet-18 without fc, 3 input channels (convs have no bias; each
    // batch norm has γ and β):
    //   stem      3·64·9 + 2·64                                                     =     1 856
    //   stage 1   2 blocks · (2 · 64·64·9 + 2 · 2·64)                               =   147 968
    //   stage 2   64·128·9 + 128·128·9 + 4·128 + 64·128 + 2·128  (block 0)          =   230 144
    //             2 · 128·128·9 + 4·128                          (block 1)          =   295 424
    //   stage 3   128·256·9 + 256·256·9 + 4·256 + 128·256 + 2·256                   =   919 040
    //             2 · 256·256·9 + 4·256                                             = 1 180 672
    //   stage 4   256·512·9 + 512·512·9 + 4·512 + 256·512 + 2·512                   = 3 673 088
    //             2 · 512·512·9 + 4·512                                             = 4 720 640
    //   total                                                                       = 11 168 832
    const network = build(0, { blocksPerStage: [2, 2, 2, 2], widthMultiplier: 1 }, [32, 32, 3]);
    expect(countParameters(network, { includeHeads: false })).toBe(11_168_832);
    // Heads: g = 512·512 + 512 + 512·8 + 8, shift head 512·4 + 4.
    expect(countParameters(network)).toBe(11_168_832 + 262_656 + 4_104 + 2_052);
  });
});

describe('getWeights and setWeights', () => {
  it('round-trips trainable and state variables', () => {
    const source = build(1);
    const images = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    // One training step moves the running statistics away from their initial values.
    tf.dispose(Object.values(source.apply(images, true)));
    const weights = getWeights(source);
    expect(weights.size).toBe(source.trainableVariables.size + source.stateVariables.size);
    expect(weights.get('stem.conv.kernel')).toBeInstanceOf(Float32Array);
    expect(weights.get('stem.conv.kernel')!.length).toBe(3 * 3 * 3 * 4);

    const target = build(2);
    setWeights(target, weights);
    for (const [name, variable] of [...source.trainableVariables, ...source.stateVariables]) {
      const copied = target.trainableVariables.get(name) ?? target.stateVariables.get(name)!;
      expect(Array.from(copied.dataSync()), name).toEqual(Array.from(variable.dataSync()));
    }
    const expected = source.apply(images, false);
    const actual = target.apply(images, false);
    expect(Array.from(actual.projections.dataSync())).toEqual(Array.from(expected.projections.dataSync()));
    tf.dispose([images, ...Object.values(expected), ...Object.values(actual)]);
  });

  it('accepts tensors and leaks none', () => {
    const source = build(1);
    const target = build(2);
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, variable] of [...source.trainableVariables, ...source.stateVariables]) {
      tensors.set(name, tf.clone(variable));
    }
    const before = tf.memory().numTensors;
    setWeights(target, tensors);
    expect(tf.memory().numTensors).toBe(before);
    const kernel = target.trainableVariables.get('shiftHead.kernel')!;
    expect(Array.from(kernel.dataSync())).toEqual(Array.from(source.trainableVariables.get('shiftHead.kernel')!.dataSync()));
    // The caller still owns the tensors it passed.
    expect(tensors.get('shiftHead.kernel')!.isDisposed).toBe(false);
    tf.dispose([...tensors.values()]);
    expect(Array.from(kernel.dataSync())).toEqual(Array.from(source.trainableVariables.get('shiftHead.kernel')!.dataSync()));
  });

  it('lists missing, unknown and mismatched weights', () => {
    const network = build(1);
    const weights = getWeights(network);
    const original = Float32Array.from(network.trainableVariables.get('stem.conv.kernel')!.dataSync());
    weights.delete('stage2.block0.conv1.kernel');
    weights.set('stem.conv.kernel', new Float32Array(3 * 3 * 1 * 4));
    weights.set('classifier.kernel', new Float32Array(4));
    const wrongShape = tf.zeros([4, 32]);
    const mismatched = new Map<string, Float32Array | tf.Tensor>(weights);
    mismatched.set('shiftHead.kernel', wrongShape);

    const error = captureError(() => setWeights(network, mismatched));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toContain('4 problems');
    expect(error.message).toContain('missing "stage2.block0.conv1.kernel" (expected shape [3, 3, 4, 8])');
    expect(error.message).toContain('"stem.conv.kernel": expected shape [3, 3, 3, 4] (108 values), found 36 values');
    expect(error.message).toContain('"shiftHead.kernel": expected shape [32, 4], found [4, 32]');
    expect(error.message).toContain('unknown "classifier.kernel"');
    expect(error.message).toContain('same backbone options, image shape, K and P');
    // Nothing was written.
    expect(Array.from(network.trainableVariables.get('stem.conv.kernel')!.dataSync())).toEqual(Array.from(original));
    wrongShape.dispose();
  });

  it('rejects a tensor of another dtype', () => {
    const network = build(1);
    const weights = new Map<string, Float32Array | tf.Tensor>(getWeights(network));
    const integers = tf.zeros([4], 'int32');
    weights.set('shiftHead.bias', integers);
    const error = captureError(() => setWeights(network, weights));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toContain('1 problem)');
    expect(error.message).toContain('"shiftHead.bias": expected dtype float32, found int32');
    integers.dispose();
  });
});
