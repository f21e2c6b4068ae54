// A CIFAR-style ResNet-18 in raw TensorFlow.js ops, for timing and profiling a training step. It
// follows @csi/backbone: batch norm in training mode, tf.pad before stride-2 3x3 convolutions,
// ReLU, residual adds and global average pooling. The loss is CSI-like: NT-Xent over 128-d
// projections plus the cross-entropy of a 4-way shift head.

/** Deterministic values in [-1, 1) (mulberry32), so every backend starts from the same weights. */
export function seededValues(count, seed) {
  let state = seed >>> 0;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = 2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1;
  }
  return values;
}

/**
 * Creates the network's variables on the active backend. widths: channels of the 4 stages
 * (ResNet-18 has 64/128/256/512; 16/32/64/128 is width multiplier 0.25).
 */
export function createResNet(
  tf,
  { widths = [16, 32, 64, 128], inChannels = 1, projectionSize = 128, numShifts = 4, batchNormTraining = null } = {},
) {
  let seed = 1;
  const variables = [];
  const variable = (shape, scale) => {
    const size = shape.reduce((p, d) => p * d, 1);
    const values = seededValues(size, seed++).map((v) => v * scale);
    const created = tf.variable(tf.tensor(values, shape), true, `v${variables.length}`);
    variables.push(created);
    return created;
  };
  const conv = (kernelSize, cin, cout, stride) => ({
    kernel: variable([kernelSize, kernelSize, cin, cout], Math.sqrt(6 / (kernelSize * kernelSize * cout))),
    stride,
  });
  const batchNorm = (channels) => ({
    gamma: variables[variables.push(tf.variable(tf.ones([channels]))) - 1],
    beta: variables[variables.push(tf.variable(tf.zeros([channels]))) - 1],
  });
  const stem = { conv: conv(3, inChannels, widths[0], 1), bn: batchNorm(widths[0]) };
  const stages = [];
  let cin = widths[0];
  widths.forEach((width, stage) => {
    const blocks = [];
    for (let b = 0; b < 2; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const block = {
        first: { conv: conv(3, cin, width, stride), bn: batchNorm(width) },
        second: { conv: conv(3, width, width, 1), bn: batchNorm(width) },
        shortcut: stride !== 1 || cin !== width ? { conv: conv(1, cin, width, stride), bn: batchNorm(width) } : null,
      };
      blocks.push(block);
      cin = width;
    }
    stages.push(blocks);
  });
  const feature = widths[widths.length - 1];
  const projection1 = { kernel: variable([feature, feature], Math.sqrt(3 / feature)), bias: variable([feature], 0) };
  const projection2 = { kernel: variable([feature, projectionSize], Math.sqrt(3 / feature)), bias: variable([projectionSize], 0) };
  const shiftHead = { kernel: variable([feature, numShifts], Math.sqrt(3 / feature)), bias: variable([numShifts], 0) };

  const applyConv = (x, layer) => {
    const size = layer.kernel.shape[0];
    if (size === 1) return tf.conv2d(x, layer.kernel, layer.stride, 'valid');
    if (layer.stride === 1) return tf.conv2d(x, layer.kernel, 1, 'same');
    const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    return tf.conv2d(padded, layer.kernel, layer.stride, 'valid');
  };
  // With `batchNormTraining` (from @csi/backend-native), the normalisation, the shortcut add and
  // the relu run as one fused op. Without it they run as tf.moments, tf.batchNorm, tf.add, tf.relu.
  const applyConvBatchNorm = (x, unit, activation = 'linear', residual = undefined) => {
    const y = applyConv(x, unit.conv);
    if (batchNormTraining) {
      return batchNormTraining(y, unit.bn.gamma, unit.bn.beta, { epsilon: 1e-5, activation, residual }).y;
    }
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    let normalised = tf.batchNorm(y, mean, variance, unit.bn.beta, unit.bn.gamma, 1e-5);
    if (residual) normalised = tf.add(normalised, residual);
    return activation === 'relu' ? tf.relu(normalised) : normalised;
  };

  /** images [V, H, W, C] -> { features [V, D], projections [V, P], shiftLogits [V, K] }. */
  const forward = (images) => {
    let x = applyConvBatchNorm(images, stem, 'relu');
    for (const blocks of stages) {
      for (const block of blocks) {
        const hidden = applyConvBatchNorm(x, block.first, 'relu');
        const shortcut = block.shortcut ? applyConvBatchNorm(x, block.shortcut) : x;
        x = applyConvBatchNorm(hidden, block.second, 'relu', shortcut);
      }
    }
    const features = tf.mean(x, [1, 2]);
    const hidden = tf.relu(tf.add(tf.matMul(features, projection1.kernel), projection1.bias));
    const projections = tf.add(tf.matMul(hidden, projection2.kernel), projection2.bias);
    const shiftLogits = tf.add(tf.matMul(features, shiftHead.kernel), shiftHead.bias);
    return { features, projections, shiftLogits };
  };

  return { variables, forward };
}

/**
 * NT-Xent (temperature 0.5) where views 2i and 2i+1 are positives, plus the cross-entropy of the
 * shift head against shift = view index mod K. Returns a scalar.
 */
export function csiLikeLoss(tf, { projections, shiftLogits }, numShifts = 4) {
  const views = projections.shape[0];
  const normalised = tf.div(projections, tf.norm(projections, 'euclidean', 1, true));
  const similarity = tf.div(tf.matMul(normalised, normalised, false, true), 0.5);
  const masked = tf.sub(similarity, tf.mul(tf.eye(views), 1e9));
  const partner = tf.tensor1d(Array.from({ length: views }, (_, i) => i ^ 1), 'int32');
  const contrastive = tf.losses.softmaxCrossEntropy(tf.oneHot(partner, views), masked);
  const shifts = tf.tensor1d(Array.from({ length: views }, (_, i) => i % numShifts), 'int32');
  const shiftLoss = tf.losses.softmaxCrossEntropy(tf.oneHot(shifts, numShifts), shiftLogits);
  return tf.add(contrastive, shiftLoss);
}
