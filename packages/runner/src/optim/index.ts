export type { Optimizer } from './optimizer.js';
export { SgdOptimizer, type SgdOptions } from './sgd.js';
export { LarsOptimizer, computeTrustRatio, type LarsOptions } from './lars.js';
export { AdamOptimizer, type AdamOptions } from './adam.js';
export { createOptimizer } from './create-optimizer.js';
export { effectiveWarmupEpochs, learningRateAt, type LearningRateSchedule } from './learning-rate.js';
