import type { ExperimentSpec } from '../spec/types.js';
import { AdamOptimizer } from './adam.js';
import { LarsOptimizer } from './lars.js';
import type { Optimizer } from './optimizer.js';
import { SgdOptimizer } from './sgd.js';

/**
 * Creates the optimiser a spec names. `momentum` is ignored by adam (β1 = 0.9, β2 = 0.999) and
 * `trustCoefficient` by sgd and adam. The learning rate is not part of the optimiser: pass it to
 * each `applyGradients` call (see `learningRateAt`).
 */
export function createOptimizer(config: ExperimentSpec['train']['optimizer']): Optimizer {
  switch (config.name) {
    case 'sgd':
      return new SgdOptimizer({ momentum: config.momentum, weightDecay: config.weightDecay });
    case 'lars':
      return new LarsOptimizer({
        momentum: config.momentum,
        weightDecay: config.weightDecay,
        trustCoefficient: config.trustCoefficient,
      });
    case 'adam':
      return new AdamOptimizer({ weightDecay: config.weightDecay });
  }
}
