import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nativeBackendStatus, nativeKernelNames, registerNativeBackend } from './index.js';
import { nativeAvailable, suiteTitle } from './test-support/compare-backends.js';

describe.skipIf(!nativeAvailable)(suiteTitle('registerNativeBackend'), () => {
  it('returns "native" and can be called again', () => {
    expect(registerNativeBackend()).toBe('native');
    expect(registerNativeBackend()).toBe('native');
  });

  it('registers every cpu kernel on native', () => {
    registerNativeBackend();
    const nativeNames = new Set(tf.getKernelsForBackend('native').map((config) => config.kernelName));
    const missing = tf.getKernelsForBackend('cpu').map((config) => config.kernelName).filter((name) => !nativeNames.has(name));
    expect(missing).toEqual([]);
  });

  it('replaces the cpu kernels that run natively', () => {
    registerNativeBackend();
    for (const name of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', 'Multiply', 'Sum']) {
      expect(nativeKernelNames()).toContain(name);
      expect(tf.getKernel(name, 'native')?.kernelFunc).not.toBe(tf.getKernel(name, 'cpu')?.kernelFunc);
    }
    expect(tf.getKernel('Sin', 'native')?.kernelFunc).toBe(tf.getKernel('Sin', 'cpu')?.kernelFunc);
  });

  it('activates with setBackend and leaks nothing', async () => {
    expect(await tf.setBackend(registerNativeBackend())).toBe(true);
    expect(tf.getBackend()).toBe('native');
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same'));
    // Corner pixels see 4 ones, edges 6, the centre 9.
    expect(Array.from(y.dataSync())).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports oneDNN and the thread count', () => {
    const status = nativeBackendStatus();
    expect(status.available).toBe(true);
    expect(status.reason).toBeUndefined();
    expect(status.oneDnnVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(status.threads).toBeGreaterThanOrEqual(1);
  });
});
