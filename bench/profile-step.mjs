// Times the parts of one CSI training step with the real components, to find the slow ones.
// Usage: node bench/profile-step.mjs [backend] [batchImages] [widthMultiplier]
import * as tf from '@tensorflow/tfjs-core';
import { ComponentRegistry, RandomSource, createSilentLogger, setupBackend } from '@csi/core';
import * as transforms from '@csi/transforms';
import * as losses from '@csi/losses';
import * as backbone from '@csi/backbone';

const [backendName = 'native', batchText = '32', widthText = '0.25'] = process.argv.slice(2);
const batch = Number(batchText);
await setupBackend(backendName, createSilentLogger());
const registry = new ComponentRegistry();
transforms.register(registry.registrarFor('t')); losses.register(registry.registrarFor('l'));
const context = { logger: createSilentLogger(), cacheDir: '/tmp' };
const make = (kind, name, options = {}) => {
  const d = registry.require(kind, name).descriptor;
  return d.create(options, context);
};
const rotation = make('shift', 'rotation', { quarterTurns: [0, 1, 2, 3] });
const align = [
  make('augmentation', 'flip', { p: 0.5 }),
  make('augmentation', 'color-jitter', { brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 }),
  make('augmentation', 'grayscale', { p: 0.2 }),
  make('augmentation', 'crop', { scale: [0.08, 1], ratio: [0.75, 4 / 3] }),
];
const network = backbone.buildResNet({ blocksPerStage: [1, 1, 1, 1], widthMultiplier: Number(widthText) },
  { imageShape: [28, 28, 1], numShifts: 4, projectionSize: 128, random: RandomSource.fromSeed(0) });
const conSi = make('loss', 'con-si', { temperature: 0.5 });
const clsSi = make('loss', 'cls-si', {});
const random = RandomSource.fromSeed(1);
const variables = [...network.trainableVariables.values()];

function views(images) {
  return tf.tidy(() => {
    const per = [];
    for (let v = 0; v < 2; v++) {
      const base = align[0].apply(images, random);
      const shifted = [0, 1, 2, 3].map((y) => rotation.apply(base, y));
      let s = tf.concat(shifted, 0);
      for (const a of align.slice(1)) s = a.apply(s, random);
      per.push(s);
    }
    return tf.concat(per, 0);
  });
}
const layout = { numImages: batch, numShifts: 4, numViews: 2 };
const timings = { views: 0, forwardBackward: 0 };
for (let step = 0; step < 4; step++) {
  const images = tf.randomUniform([batch, 28, 28, 1]);
  let t0 = performance.now();
  const v = views(images); await v.data();
  const t1 = performance.now();
  const { value, grads } = tf.variableGrads(() => {
    const out = network.apply(v, true);
    return tf.add(conSi.compute(out, layout), clsSi.compute(out, layout));
  }, variables);
  await value.data();
  const t2 = performance.now();
  if (step > 0) { timings.views += t1 - t0; timings.forwardBackward += t2 - t1; }
  tf.dispose([images, v, value, ...Object.values(grads)]);
}
console.log(`backend ${backendName}, batch ${batch} images (${batch * 8} views): views ${(timings.views / 3).toFixed(0)} ms, forward+backward ${(timings.forwardBackward / 3).toFixed(0)} ms per step`);
const images = tf.randomUniform([batch, 28, 28, 1]);
const v = views(images);
const profile = await tf.profile(() => {
  const { value, grads } = tf.variableGrads(() => {
    const out = network.apply(v, true);
    return tf.add(conSi.compute(out, layout), clsSi.compute(out, layout));
  }, variables);
  tf.dispose([value, ...Object.values(grads)]);
});
const byKernel = new Map();
for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + k.kernelTimeMs);
console.log([...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([n, t]) => `${n} ${t.toFixed(0)}ms`).join('\n'));
const slow = profile.kernels.filter((k) => ['Slice', 'Multiply', 'Sum', 'PadV2'].includes(k.name)).sort((a, b) => b.kernelTimeMs - a.kernelTimeMs).slice(0, 12);
console.log(slow.map((k) => `${k.name} ${k.kernelTimeMs.toFixed(0)}ms in ${JSON.stringify(k.inputShapes)} out ${JSON.stringify(k.outputShapes)}`).join('\n'));
const vprof = await tf.profile(() => { const x = views(images); x.dispose(); });
const byKernel2 = new Map();
for (const k of vprof.kernels) byKernel2.set(k.name, (byKernel2.get(k.name) ?? 0) + k.kernelTimeMs);
console.log('views:', [...byKernel2].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, t]) => `${n} ${t.toFixed(0)}ms`).join(', '));
