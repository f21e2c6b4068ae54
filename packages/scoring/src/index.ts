import type { ComponentRegistrar } from '@csi/core';
import { auprMetric } from './metric/aupr.js';
import { aurocMetric } from './metric/auroc.js';
import { fprAt95TprMetric } from './metric/fpr-at-tpr.js';
import { linearScore } from './linear/linear-score.js';
import { clsSiScore } from './score/cls-si.js';
import { conScore } from './score/con.js';
import { conSiScore } from './score/con-si.js';
import { cosineScore } from './score/cosine.js';
import { csiScore } from './score/csi.js';
import { normScore } from './score/norm.js';

export { balancingWeights, type BalancingWeights } from './balancing.js';
export { maxCosineSimilarity } from './max-cosine.js';
export { scoreCon, createConScore, conScore } from './score/con.js';
export { scoreConSi, createConSiScore, conSiScore } from './score/con-si.js';
export { scoreClsSi, createClsSiScore, clsSiScore } from './score/cls-si.js';
export { scoreCsi, createCsiScore, csiScore } from './score/csi.js';
export { scoreNorm, createNormScore, normScore } from './score/norm.js';
export { scoreCosine, createCosineScore, cosineScore } from './score/cosine.js';
export {
  createLinearScore,
  linearScore,
  type LinearScore,
  type LinearScoreOptions,
} from './linear/linear-score.js';
export { computeAuroc, aurocMetric } from './metric/auroc.js';
export { computeAupr, auprMetric } from './metric/aupr.js';
export { computeFprAtTpr, fprAt95TprMetric } from './metric/fpr-at-tpr.js';
export { computeAccuracy, computeExpectedCalibrationError, findPredictedClass } from './metric/classification.js';

/**
 * Adds the detection scores con, con-si, cls-si, csi, norm, cosine and linear, and the metrics
 * auroc, aupr and fpr-at-95-tpr.
 */
export function register(registrar: ComponentRegistrar): void {
  registrar.add(conScore);
  registrar.add(conSiScore);
  registrar.add(clsSiScore);
  registrar.add(csiScore);
  registrar.add(normScore);
  registrar.add(cosineScore);
  registrar.add(linearScore);
  registrar.add(aurocMetric);
  registrar.add(auprMetric);
  registrar.add(fprAt95TprMetric);
}
