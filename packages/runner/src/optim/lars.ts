import * as tf from '@tensorflow/tfjs-core';
import { CsiError, SpecError } from '@csi/core';
import { validateStep, type Optimizer } from './optimizer.js';
import { SgdOptimizer, validateSgdOptions, type SgdOptions } from './sgd.js';

export interface LarsOptions extends SgdOptions {
  /** η, the trust coefficient; the authors use 0.001. */
  trustCoefficient: number;
  /** Added to the trust-ratio denominator; torchlars' default 1e-8. */
  epsilon?: number;
  /**
   * Leaves rank-1 variables (biases, batch-norm γ and β) out of weight decay and trust-ratio
   * scaling, as in SimCLR's LARS. Default false: the authors' torchlars setup adapts every parameter.
   */
  excludeBiasAndNorm?: boolean;
}

/**
 * LARS wrapped around momentum SGD, as torchlars' `LARS(SGD(...))` that the authors' code uses.
 * For each variable p with gradient g:
 *
 *   ratio = η · ‖p‖ / (‖g‖ + wd · ‖p‖ + ε)   when ‖p‖ > 0 and ‖g‖ > 0, else 1
 *   g ← (g + wd · p) · ratio
 *
 * then the SGD step with weight decay 0: buf ← m · buf + g; p ← p − lr · buf. The norms are of
 * the raw gradient, before weight decay. State: that of SGD (`momentumBuffer/<variable>`).
 */
export class LarsOptimizer implements Optimizer {
  readonly name = 'lars' as const;
  private readonly sgd: SgdOptimizer;
  private readonly epsilon: number;
  private readonly excludeBiasAndNorm: boolean;

  constructor(private readonly options: LarsOptions) {
    validateLarsOptions(options);
    // torchlars hides the weight decay from the wrapped SGD and adds it itself before scaling.
    this.sgd = new SgdOptimizer({ momentum: options.momentum, weightDecay: 0 });
    this.epsilon = options.epsilon ?? 1e-8;
    this.excludeBiasAndNorm = options.excludeBiasAndNorm ?? false;
  }

  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, variables: ReadonlyMap<string, tf.Variable>, learningRate: number): void {
    validateStep(this.name, grads, variables, learningRate);
    const scaled = new Map<string, tf.Tensor>();
    try {
      for (const [name, gradient] of grads) {
        const variable = variables.get(name)!;
        scaled.set(name, tf.tidy(() => this.scaleGradient(gradient, variable)));
      }
      this.sgd.applyGradients(scaled, variables, learningRate);
    } finally {
      tf.dispose([...scaled.values()]);
    }
  }

  getState(): Map<string, tf.Tensor> {
    return this.sgd.getState();
  }

  setState(state: ReadonlyMap<string, tf.Tensor>): void {
    this.sgd.setState(state);
  }

  dispose(): void {
    this.sgd.dispose();
  }

  private scaleGradient(gradient: tf.Tensor, variable: tf.Variable): tf.Tensor {
    if (this.excludeBiasAndNorm && variable.rank <= 1) return tf.clone(gradient);
    const { weightDecay } = this.options;
    const ratio = computeTrustRatio(variable, gradient, { ...this.options, epsilon: this.epsilon });
    const decayed = weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(variable, weightDecay));
    return tf.mul(decayed, ratio);
  }
}

/**
 * Computes the LARS trust ratio η · ‖p‖ / (‖g‖ + wd · ‖p‖ + ε) of `parameter` p and its raw
 * gradient g, or 1 when either norm is 0 (torchlars then leaves the step to SGD). Returns a
 * float32 scalar that the caller disposes. The ratio stays on the device, so no step waits for a
 * read-back.
 */
export function computeTrustRatio(
  parameter: tf.Tensor,
  gradient: tf.Tensor,
  options: { weightDecay: number; trustCoefficient: number; epsilon: number },
): tf.Scalar {
  return tf.tidy(() => {
    const parameterNorm = tf.norm(parameter);
    const gradientNorm = tf.norm(gradient);
    const denominator = tf.add(tf.add(gradientNorm, tf.mul(parameterNorm, options.weightDecay)), options.epsilon);
    const ratio = tf.div(tf.mul(parameterNorm, options.trustCoefficient), denominator);
    const bothPositive = tf.logicalAnd(tf.greater(parameterNorm, 0), tf.greater(gradientNorm, 0));
    return tf.where(bothPositive, ratio, tf.onesLike(ratio)) as tf.Scalar;
  });
}

function validateLarsOptions(options: LarsOptions): void {
  validateSgdOptions(options);
  if (!(Number.isFinite(options.trustCoefficient) && options.trustCoefficient > 0)) {
    throw new SpecError([
      {
        path: 'train.optimizer.trustCoefficient',
        message: `the LARS trust coefficient must be > 0, e.g. 0.001; got ${options.trustCoefficient}`,
      },
    ]);
  }
  // ε is not a spec option, so a bad value is a programming error.
  if (options.epsilon !== undefined && !(Number.isFinite(options.epsilon) && options.epsilon >= 0)) {
    throw new CsiError(`lars: epsilon must be ≥ 0; got ${options.epsilon}`);
  }
}
