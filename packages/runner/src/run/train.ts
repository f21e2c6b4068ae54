import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet, LossTerm, Logger, Network, Scalar, Tensor } from '@csi/core';
import { RunError, type RandomSource } from '@csi/core';
import { createEpochRandom, iterateBatches, toImageTensor } from '@csi/datasets';
import { learningRateAt, type Optimizer } from '../optim/index.js';
import type { ExperimentSpec } from '../spec/types.js';
import { saveCheckpoint, type Checkpoint, type StoredArray } from './checkpoint.js';
import type { ProgressReporter } from './progress.js';
import { stackViews, type ViewPipeline } from './views.js';

/** Soft-augmented views per (image, shift): the positive pair of contrastive training. */
const VIEWS_PER_IMAGE = 2;

/** A loss term of the spec, ready to compute. */
export interface WeightedLoss {
  name: string;
  weight: number;
  term: LossTerm;
}

export interface TrainingSetup {
  spec: ExperimentSpec;
  network: Network;
  pipeline: ViewPipeline;
  losses: readonly WeightedLoss[];
  optimizer: Optimizer;
  train: ImageSet;
  /**
   * True when the protocol is labelled: each step then hands the class labels of its images to
   * the loss terms (SupCLR and sup-CSI need them).
   */
  labelled: boolean;
  runDir: string;
  specHash: string;
  /** The resolved spec as YAML, stored in each checkpoint. */
  specYaml: string;
  /** The tensor backend in use, stored in each checkpoint. */
  backend: string;
  logger: Logger;
  progress: ProgressReporter;
  /** Continue after this checkpoint's epoch; its weights are already loaded. */
  resumeFrom?: Checkpoint;
}

/** Per-epoch means of each loss term and the total (metrics.json), and the throughput (timing.json). */
export type EpochRecord = Record<string, number>;

/**
 * Trains for the spec's epochs, writing a checkpoint after each one. Every epoch draws its data
 * order and augmentations from a source seeded by (seed, epoch), so a run resumed from the
 * checkpoint of epoch e continues exactly as the uninterrupted run would.
 */
export function trainNetwork(setup: TrainingSetup): EpochRecord[] {
  const { spec, network, train, logger, progress } = setup;
  const stepsPerEpoch = Math.floor(train.count / spec.train.batchSize);
  const history: EpochRecord[] = [...(setup.resumeFrom?.history ?? [])];
  let step = setup.resumeFrom?.step ?? 0;
  const firstEpoch = setup.resumeFrom?.epoch ?? 0;
  const variables = [...network.trainableVariables.values()];

  logger.info({ epochs: spec.train.epochs, firstEpoch, stepsPerEpoch, images: train.count }, 'training started');
  for (let epoch = firstEpoch; epoch < spec.train.epochs; epoch++) {
    const epochRandom = createEpochRandom(spec.seed, epoch);
    const dataRandom = epochRandom.fork();
    const augmentRandom = epochRandom.fork();
    const sums: Record<string, number> = {};
    const started = Date.now();
    let stepInEpoch = 0;

    progress.start(`epoch ${epoch + 1}/${spec.train.epochs}`, stepsPerEpoch * spec.train.batchSize, 'images');
    for (const indices of iterateBatches(train, spec.train.batchSize, dataRandom, { dropLast: true })) {
      const learningRate = learningRateAt(epoch + stepInEpoch / stepsPerEpoch, {
        baseLr: spec.train.optimizer.learningRate,
        warmupEpochs: spec.train.schedule.warmupEpochs,
        warmupMultiplier: spec.train.schedule.warmupMultiplier,
        totalEpochs: spec.train.epochs,
      });
      const values = runStep(setup, indices, augmentRandom, learningRate, variables);
      checkFinite(values, setup, { step: step + 1, epoch: epoch + 1, stepInEpoch: stepInEpoch + 1, stepsPerEpoch });

      for (const [key, value] of Object.entries(values)) sums[key] = (sums[key] ?? 0) + value;
      step++;
      stepInEpoch++;
      logger.debug({ epoch: epoch + 1, step, learningRate, ...values }, 'step');
      progress.update(stepInEpoch * spec.train.batchSize, { ...roundAll(values), lr: learningRate.toExponential(2) });
    }
    progress.stop();

    const record: EpochRecord = { epoch: epoch + 1 };
    for (const [key, sum] of Object.entries(sums)) record[key] = sum / Math.max(1, stepInEpoch);
    record.imagesPerSecond = (stepInEpoch * spec.train.batchSize) / ((Date.now() - started) / 1000);
    history.push(record);
    logger.info(record, 'epoch finished');

    saveCheckpoint(setup.runDir, {
      epoch: epoch + 1,
      step,
      randomState: epochRandom.getState(),
      specHash: setup.specHash,
      specYaml: setup.specYaml,
      backend: setup.backend,
      weights: readVariables(new Map([...network.trainableVariables, ...network.stateVariables])),
      optimizerState: readAndDispose(setup.optimizer.getState()),
      history,
    });
  }
  logger.info({ steps: step }, 'training finished');
  return history;
}

/** Takes one optimiser step and returns each loss term's value and the weighted total. */
function runStep(
  setup: TrainingSetup,
  indices: Int32Array,
  augmentRandom: RandomSource,
  learningRate: number,
  variables: tf.Variable[],
): Record<string, number> {
  const { network, losses } = setup;
  const images = toImageTensor(setup.train, indices);
  const { views, layout } = stackViews(images, setup.pipeline, VIEWS_PER_IMAGE, augmentRandom);
  images.dispose();
  const classLabels = setup.labelled
    ? tf.tensor1d(Int32Array.from(indices, (index) => setup.train.labels[index] as number), 'int32')
    : undefined;

  const terms: Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const outputs = network.apply(views, true);
    let total: Scalar = tf.scalar(0);
    for (const loss of losses) {
      const term = loss.term.compute(outputs, layout, classLabels);
      terms.push(tf.keep(term));
      total = tf.add(total, tf.mul(term, loss.weight));
    }
    return total;
  }, variables);
  views.dispose();
  classLabels?.dispose();

  const gradsByName = new Map<string, Tensor>();
  for (const [name, variable] of network.trainableVariables) {
    const grad = grads[variable.name];
    if (grad) gradsByName.set(name, grad);
  }
  setup.optimizer.applyGradients(gradsByName, network.trainableVariables as Map<string, tf.Variable>, learningRate);
  tf.dispose(grads);

  const values: Record<string, number> = { loss: value.dataSync()[0]! };
  losses.forEach((loss, i) => {
    values[lossKey(loss.name)] = terms[i]!.dataSync()[0]!;
  });
  value.dispose();
  tf.dispose(terms);
  return values;
}

/** `con-si` → `lossConSi`, the field name of that term in logs and metrics. */
export function lossKey(name: string): string {
  return `loss${name.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase())}`;
}

/** Position of a step, counted from 1, for messages. */
interface StepPosition {
  step: number;
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
}

/**
 * Stops training at the first non-finite loss, before the next checkpoint could store weights
 * that the diverged step produced. The message names each non-finite loss term as the spec
 * writes it, or the weighted total when every term is finite but their sum overflows.
 */
function checkFinite(values: Record<string, number>, setup: TrainingSetup, position: StepPosition): void {
  const bad = setup.losses
    .filter((loss) => !Number.isFinite(values[lossKey(loss.name)]))
    .map((loss) => `loss term "${loss.name}" (${lossKey(loss.name)}) is ${values[lossKey(loss.name)]}`);
  if (bad.length === 0 && !Number.isFinite(values.loss)) {
    bad.push(`the weighted total loss is ${values.loss}, although every term is finite`);
  }
  if (bad.length === 0) return;

  const completed = position.epoch - 1;
  const checkpointNote =
    completed > 0
      ? `The checkpoint of epoch ${completed} in ${setup.runDir} is kept.`
      : `No checkpoint was written, because epoch 1 did not finish.`;
  throw new RunError(
    `training stopped at step ${position.step} (epoch ${position.epoch}, step ${position.stepInEpoch} of ${position.stepsPerEpoch}): ` +
      `${bad.join('; ')}. ${checkpointNote} ` +
      'Lower train.optimizer.learningRate or check the loss terms and the data for invalid values, then start a new run.',
  );
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Math.round(value * 1e4) / 1e4]));
}

export function readVariables(variables: ReadonlyMap<string, Tensor>): Map<string, StoredArray> {
  return readTensors(variables);
}

function readAndDispose(tensors: Map<string, Tensor>): Map<string, StoredArray> {
  const stored = readTensors(tensors);
  tf.dispose([...tensors.values()]);
  return stored;
}

function readTensors(tensors: ReadonlyMap<string, Tensor>): Map<string, StoredArray> {
  const stored = new Map<string, StoredArray>();
  for (const [name, tensor] of tensors) {
    stored.set(name, { shape: [...tensor.shape], values: Float32Array.from(tensor.dataSync()) });
  }
  return stored;
}
