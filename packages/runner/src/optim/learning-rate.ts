import { RunError, SpecError } from '@csi/core';

export interface LearningRateSchedule {
  /** The rate at epoch 0, before warm-up; the authors use 0.1. */
  baseLr: number;
  /** Epochs of linear warm-up; the authors use 10. */
  warmupEpochs: number;
  /** The peak rate is baseLr · warmupMultiplier; the authors use 10. */
  warmupMultiplier: number;
  /** Length of the run in epochs. */
  totalEpochs: number;
}

/**
 * Returns the learning rate at `epochFraction` (completed epochs plus the fraction of the
 * current one, in [0, totalEpochs]): a linear warm-up from baseLr to baseLr · warmupMultiplier
 * over warmupEpochs, then a cosine decay from that peak to 0 at totalEpochs.
 *
 * When warmupEpochs ≥ totalEpochs (the authors' 10 warm-up epochs in a short CPU run), the
 * warm-up takes the first half of the run and the cosine the second half, so the run still
 * reaches the peak and still decays. With warmupEpochs = 0 the run starts at the peak.
 */
export function learningRateAt(epochFraction: number, schedule: LearningRateSchedule): number {
  validateSchedule(schedule);
  const { baseLr, warmupMultiplier, totalEpochs } = schedule;
  if (!(Number.isFinite(epochFraction) && epochFraction >= 0 && epochFraction <= totalEpochs)) {
    throw new RunError(`learningRateAt: epochFraction must be in [0, totalEpochs] = [0, ${totalEpochs}]; got ${epochFraction}`);
  }

  const warmupEpochs = effectiveWarmupEpochs(schedule);
  const peak = baseLr * warmupMultiplier;
  if (epochFraction < warmupEpochs) {
    return baseLr + (peak - baseLr) * (epochFraction / warmupEpochs);
  }
  // NOTE: the authors' GradualWarmupScheduler hands over to CosineAnnealingLR with T_max = total
  // epochs, counted from the end of warm-up, so their rate ends slightly above 0. This cosine
  // spans the remaining epochs and ends at 0 exactly; the difference is small when the
  // warm-up is short against the run.
  const progress = (epochFraction - warmupEpochs) / (totalEpochs - warmupEpochs);
  return (peak * (1 + Math.cos(Math.PI * progress))) / 2;
}

/** Returns the warm-up length in use: warmupEpochs, or totalEpochs / 2 when warmupEpochs ≥ totalEpochs. */
export function effectiveWarmupEpochs(schedule: LearningRateSchedule): number {
  return schedule.warmupEpochs >= schedule.totalEpochs ? schedule.totalEpochs / 2 : schedule.warmupEpochs;
}

function validateSchedule(schedule: LearningRateSchedule): void {
  const problems = [];
  if (!(Number.isFinite(schedule.baseLr) && schedule.baseLr >= 0)) {
    problems.push({ path: 'train.optimizer.learningRate', message: `must be a number ≥ 0, e.g. 0.1; got ${schedule.baseLr}` });
  }
  if (!(Number.isFinite(schedule.warmupEpochs) && schedule.warmupEpochs >= 0)) {
    problems.push({ path: 'train.schedule.warmupEpochs', message: `must be a number ≥ 0, e.g. 10; got ${schedule.warmupEpochs}` });
  }
  if (!(Number.isFinite(schedule.warmupMultiplier) && schedule.warmupMultiplier > 0)) {
    problems.push({ path: 'train.schedule.warmupMultiplier', message: `must be a number > 0, e.g. 10; got ${schedule.warmupMultiplier}` });
  }
  if (!(Number.isFinite(schedule.totalEpochs) && schedule.totalEpochs > 0)) {
    problems.push({ path: 'train.epochs', message: `must be a number > 0; got ${schedule.totalEpochs}` });
  }
  if (problems.length > 0) throw new SpecError(problems);
}
