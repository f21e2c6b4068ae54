import * as tf from '@tensorflow/tfjs-core';
import { SpecError } from '@csi/core';
import { validateStep, type Optimizer } from './optimizer.js';
import { OptimizerSlots, rejectUnknownStateKeys } from './optimizer-slots.js';

export interface SgdOptions {
  /** m in buf = m · buf + g; 0 disables the buffer. */
  momentum: number;
  /** wd in g ← g + wd · p (L2 regularisation, applied to every variable as torch.optim.SGD does). */
  weightDecay: number;
}

/**
 * Stochastic gradient descent with momentum, as torch.optim.SGD (dampening 0, no Nesterov):
 * g ← g + wd · p; buf ← m · buf + g (buf = g on the first step); p ← p − lr · buf.
 * State: `momentumBuffer/<variable>`.
 */
export class SgdOptimizer implements Optimizer {
  readonly name = 'sgd' as const;
  private readonly momentumBuffers = new OptimizerSlots('momentumBuffer');

  constructor(private readonly options: SgdOptions) {
    validateSgdOptions(options);
  }

  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, variables: ReadonlyMap<string, tf.Variable>, learningRate: number): void {
    validateStep(this.name, grads, variables, learningRate);
    const { momentum, weightDecay } = this.options;
    for (const [name, gradient] of grads) {
      const variable = variables.get(name)!;
      const previous = this.momentumBuffers.get(name, variable);
      const buffer = tf.tidy(() => {
        const direction = weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(variable, weightDecay));
        let step: tf.Tensor;
        if (momentum === 0) step = direction;
        else if (previous === undefined) step = tf.clone(direction);
        else step = tf.add(tf.mul(previous, momentum), direction);
        variable.assign(tf.sub(variable, tf.mul(step, learningRate)));
        return momentum === 0 ? undefined : step;
      });
      if (buffer !== undefined) this.momentumBuffers.set(name, buffer);
    }
  }

  getState(): Map<string, tf.Tensor> {
    const state = new Map<string, tf.Tensor>();
    this.momentumBuffers.save(state);
    return state;
  }

  setState(state: ReadonlyMap<string, tf.Tensor>): void {
    rejectUnknownStateKeys(this.name, state, [this.momentumBuffers]);
    this.momentumBuffers.load(state);
  }

  dispose(): void {
    this.momentumBuffers.dispose();
  }
}

/** Throws a SpecError naming each option outside its range. */
export function validateSgdOptions(options: SgdOptions): void {
  const problems = [];
  if (!(Number.isFinite(options.momentum) && options.momentum >= 0 && options.momentum < 1)) {
    problems.push({ path: 'train.optimizer.momentum', message: `momentum must be in [0, 1), e.g. 0.9; got ${options.momentum}` });
  }
  if (!(Number.isFinite(options.weightDecay) && options.weightDecay >= 0)) {
    problems.push({ path: 'train.optimizer.weightDecay', message: `weight decay must be ≥ 0, e.g. 1e-6; got ${options.weightDecay}` });
  }
  if (problems.length > 0) throw new SpecError(problems);
}
