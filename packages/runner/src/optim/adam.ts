import * as tf from '@tensorflow/tfjs-core';
import { CsiError, DataError, SpecError } from '@csi/core';
import { validateStep, type Optimizer } from './optimizer.js';
import { OptimizerSlots, rejectUnknownStateKeys } from './optimizer-slots.js';

export interface AdamOptions {
  /** L2 weight decay added to the gradient (g ← g + wd · p), as torch.optim.Adam's weight_decay. */
  weightDecay: number;
  /** β1; default 0.9. */
  beta1?: number;
  /** β2; default 0.999. */
  beta2?: number;
  /** ε added to √v̂; default 1e-8. */
  epsilon?: number;
}

const STEP_SLOT = 'step';

/**
 * Adam with bias correction, as torch.optim.Adam (not AdamW: the weight decay is coupled L2,
 * added to the gradient before the moments, which is what the authors' Adam for the linear
 * classifier uses). For each variable with gradient g at its step t = 1, 2, ...:
 *
 *   g ← g + wd · p;  m ← β1 · m + (1 − β1) · g;  v ← β2 · v + (1 − β2) · g²
 *   p ← p − lr / (1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
 *
 * State: `firstMoment/<variable>`, `secondMoment/<variable>` and `step/<variable>` (an int32
 * scalar; each variable counts its own steps, as in PyTorch).
 */
export class AdamOptimizer implements Optimizer {
  readonly name = 'adam' as const;
  private readonly firstMoments = new OptimizerSlots('firstMoment');
  private readonly secondMoments = new OptimizerSlots('secondMoment');
  private readonly steps = new Map<string, number>();
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(private readonly options: AdamOptions) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    validateAdamOptions(options.weightDecay, this.beta1, this.beta2, this.epsilon);
  }

  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, variables: ReadonlyMap<string, tf.Variable>, learningRate: number): void {
    validateStep(this.name, grads, variables, learningRate);
    const { beta1, beta2, epsilon } = this;
    const { weightDecay } = this.options;
    for (const [name, gradient] of grads) {
      const variable = variables.get(name)!;
      const previousFirst = this.firstMoments.get(name, variable);
      const previousSecond = this.secondMoments.get(name, variable);
      const step = (this.steps.get(name) ?? 0) + 1;
      const [first, second] = tf.tidy(() => {
        const direction = weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(variable, weightDecay));
        const scaledGradient = tf.mul(direction, 1 - beta1);
        const scaledSquare = tf.mul(tf.square(direction), 1 - beta2);
        const nextFirst = previousFirst === undefined ? scaledGradient : tf.add(tf.mul(previousFirst, beta1), scaledGradient);
        const nextSecond = previousSecond === undefined ? scaledSquare : tf.add(tf.mul(previousSecond, beta2), scaledSquare);
        const stepSize = learningRate / (1 - beta1 ** step);
        const denominator = tf.add(tf.div(tf.sqrt(nextSecond), Math.sqrt(1 - beta2 ** step)), epsilon);
        variable.assign(tf.sub(variable, tf.mul(tf.div(nextFirst, denominator), stepSize)));
        return [nextFirst, nextSecond];
      });
      this.firstMoments.set(name, first!);
      this.secondMoments.set(name, second!);
      this.steps.set(name, step);
    }
  }

  getState(): Map<string, tf.Tensor> {
    const state = new Map<string, tf.Tensor>();
    this.firstMoments.save(state);
    this.secondMoments.save(state);
    for (const [name, step] of this.steps) state.set(`${STEP_SLOT}/${name}`, tf.scalar(step, 'int32'));
    return state;
  }

  setState(state: ReadonlyMap<string, tf.Tensor>): void {
    const stepSlot = new OptimizerSlots(STEP_SLOT);
    rejectUnknownStateKeys(this.name, state, [this.firstMoments, this.secondMoments, stepSlot]);
    const steps = new Map<string, number>();
    for (const [key, tensor] of state) {
      if (!key.startsWith(`${STEP_SLOT}/`)) continue;
      const step = tensor.size === 1 ? tensor.dataSync()[0]! : NaN;
      if (!(Number.isInteger(step) && step >= 1)) {
        throw new DataError(`adam: optimizer state "${key}" must be a scalar step count ≥ 1; got shape [${tensor.shape.join(', ')}], value ${step}`);
      }
      steps.set(key.slice(STEP_SLOT.length + 1), step);
    }
    this.firstMoments.load(state);
    this.secondMoments.load(state);
    this.steps.clear();
    for (const [name, step] of steps) this.steps.set(name, step);
  }

  dispose(): void {
    this.firstMoments.dispose();
    this.secondMoments.dispose();
    this.steps.clear();
  }
}

function validateAdamOptions(weightDecay: number, beta1: number, beta2: number, epsilon: number): void {
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0)) {
    throw new SpecError([
      { path: 'train.optimizer.weightDecay', message: `weight decay must be ≥ 0, e.g. 1e-6; got ${weightDecay}` },
    ]);
  }
  // β1, β2 and ε are not spec options, so a bad value is a programming error.
  for (const [key, value] of [
    ['beta1', beta1],
    ['beta2', beta2],
  ] as const) {
    if (!(Number.isFinite(value) && value >= 0 && value < 1)) {
      throw new CsiError(`adam: ${key} must be in [0, 1); got ${value}`);
    }
  }
  if (!(Number.isFinite(epsilon) && epsilon > 0)) {
    throw new CsiError(`adam: epsilon must be > 0, e.g. 1e-8; got ${epsilon}`);
  }
}
