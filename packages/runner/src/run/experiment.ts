import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  DataError,
  RandomSource,
  RunError,
  SpecError,
  setupBackend,
  type ComponentContext,
  type ComponentInstances,
  type ComponentKind,
  type ComponentRegistry,
  type EvaluationSplits,
  type ImageSet,
  type Logger,
  type ShiftTransform,
} from '@csi/core';
import { defaultCacheDir, limitSplits } from '@csi/datasets';
import { computeAccuracy, computeExpectedCalibrationError, findPredictedClass } from '@csi/scoring';
import { composeShifts } from '@csi/transforms';
import { createOptimizer } from '../optim/index.js';
import type { ComponentRef, ExperimentSpec } from '../spec/types.js';
import { CHECKPOINT_FILE, loadCheckpoint, type Checkpoint } from './checkpoint.js';
import { extractFeatureBank } from './features.js';
import { ProgressReporter, formatDuration } from './progress.js';
import { writeRunResults } from './results.js';
import { loadResumeCheckpoint, restoreOptimizerState, restoreWeights } from './resume.js';
import { chooseRunFolderMode, prepareRunFolder } from './run-folder.js';
import { trainNetwork, type EpochRecord, type WeightedLoss } from './train.js';
import type { ViewPipeline } from './views.js';

/** Everything `csi run` and `csi eval` hand to the experiment once the spec is valid. */
export interface ExperimentRequest {
  spec: ExperimentSpec;
  /** The spec file as the user named it, for messages. */
  specFile: string;
  /** The resolved spec (after `extends` and `--set`) as YAML, written into the run folder. */
  resolvedSpecYaml: string;
  registry: ComponentRegistry;
  /** Run folder to write; when undefined, `<spec.outputDir>/<spec.name>/<timestamp>/`. */
  outDir?: string;
  /**
   * Continue from the last complete checkpoint in `outDir`, or start from epoch 1 when it has
   * none. Without it, a folder that already contains a checkpoint or results is rejected.
   */
  resume: boolean;
  /** For `csi eval`: score this saved model instead of training. */
  checkpointDir?: string;
  logger: Logger;
  /** Stream for progress bars and plain progress lines; stderr by default. */
  progressStream?: NodeJS.WriteStream;
}

/** The run folder and metrics of a finished run, for the command line. */
export interface ExperimentResult {
  runDir: string;
  metrics: Record<string, number>;
}

/**
 * Trains (unless `checkpointDir` is given) and scores, writing the run folder: the resolved spec,
 * the log, a checkpoint after every epoch, metrics.json, scores.csv and report.md. Throws a
 * UsageError for a folder that contains another run or a resume with another spec, a SpecError
 * or DataError for data that does not fit the spec, and a RunError when training diverges.
 */
export async function runExperiment(request: ExperimentRequest): Promise<ExperimentResult> {
  const { spec, registry, logger } = request;
  const started = Date.now();
  const runDir = resolve(request.outDir ?? join(spec.outputDir, spec.name, timestamp()));
  const progressStream = request.progressStream ?? process.stderr;
  const mode = chooseRunFolderMode({ checkpointDir: request.checkpointDir, resume: request.resume });
  const removed = prepareRunFolder(runDir, mode);
  if (removed.length > 0) logger.info({ runDir, files: removed }, 'deleted temporary files of an interrupted write');
  const specHash = createHash('sha256').update(request.resolvedSpecYaml).digest('hex');

  // Checkpoints are read before the backend and the data, so that a wrong folder or spec fails at once.
  const evalCheckpoint = request.checkpointDir ? requireCheckpoint(request.checkpointDir) : undefined;
  const resumeFrom = mode === 'resume' ? loadResumeCheckpoint(runDir, specHash, request.resolvedSpecYaml) : undefined;
  if (mode === 'resume' && !resumeFrom) {
    logger.info({ runDir }, 'no checkpoint to resume from; starting from epoch 1');
    progressStream.write(`no ${CHECKPOINT_FILE} in ${runDir}; starting from epoch 1\n`);
  }
  const progress = new ProgressReporter(progressStream);

  const backend = await setupBackend(spec.backend, logger);
  logger.info({ runDir, backend: backend.choice, spec: request.specFile }, 'run started');
  if (resumeFrom?.backend !== undefined && resumeFrom.backend !== backend.choice) {
    logger.warn(
      { checkpointBackend: resumeFrom.backend, backend: backend.choice },
      `resuming on the ${backend.choice} backend a run trained so far on ${resumeFrom.backend}: ` +
        'the results can differ in the low bits from an uninterrupted run',
    );
  }

  const context: ComponentContext = { logger, cacheDir: defaultCacheDir() };
  const dataset = createComponent(registry, 'dataset', spec.data.dataset, context, 'data.dataset');
  const protocol = createComponent(registry, 'protocol', spec.protocol, context, 'protocol');
  const splits = limitSplits(await protocol.prepare(dataset), spec.data, RandomSource.fromSeed(spec.seed).fork());
  const { train } = splits;
  checkDataFitsSpec(spec, train, splits.test);
  logger.info({ protocol: splits.description, trainImages: train.count, testImages: splits.test.count }, 'data ready');
  const oodSetImages = listOodSetImages(splits);
  warnAboutSmallOodSets(splits, oodSetImages, logger);

  const shifts = spec.train.shift.map((ref, i) => createComponent(registry, 'shift', ref, context, `train.shift[${i}]`));
  // No shift transform gives K = 1 (SimCLR); several combine as their product.
  const shift: ShiftTransform = composeShifts(shifts);
  const pipeline: ViewPipeline = {
    shift,
    align: spec.train.align.map((ref, i) => createComponent(registry, 'augmentation', ref, context, `train.align[${i}]`)),
  };
  const losses: WeightedLoss[] = spec.train.loss.map((ref, i) => ({
    name: ref.name,
    weight: ref.weight,
    term: createComponent(registry, 'loss', ref, context, `train.loss[${i}]`),
  }));

  const score = createComponent(registry, 'score', spec.eval.score, context, 'eval.score');
  // Spec validation has checked that a score needing class labels runs under a labelled protocol.
  const scoreNeedsLabels = registry.require('score', spec.eval.score.name, 'eval.score').descriptor.classLabels === 'needed';
  warnWithoutShift(spec, shift, logger);

  const builder = createComponent(registry, 'backbone', spec.model.backbone, context, 'model.backbone');
  const network = builder.build({
    imageShape: [train.height, train.width, train.channels],
    numShifts: shift.numShifts,
    projectionSize: spec.model.projectionSize,
    random: RandomSource.fromSeed(spec.seed),
  });

  try {
    let history: EpochRecord[];
    if (evalCheckpoint) {
      restoreWeights(network, evalCheckpoint);
      history = evalCheckpoint.history;
      logger.info({ checkpoint: request.checkpointDir, epoch: evalCheckpoint.epoch }, 'checkpoint loaded for evaluation');
    } else {
      const optimizer = createOptimizer(spec.train.optimizer);
      try {
        if (resumeFrom) {
          restoreWeights(network, resumeFrom);
          restoreOptimizerState(optimizer, resumeFrom);
          logger.info({ epoch: resumeFrom.epoch, step: resumeFrom.step }, 'resuming from checkpoint');
          const remaining = spec.train.epochs - resumeFrom.epoch;
          progressStream.write(
            remaining > 0
              ? `resuming from the checkpoint of epoch ${resumeFrom.epoch} of ${spec.train.epochs} in ${runDir}\n`
              : `training already finished (epoch ${resumeFrom.epoch} of ${spec.train.epochs}); scoring the checkpoint in ${runDir}\n`,
          );
        }
        history = trainNetwork({
          spec, network, pipeline, losses, optimizer, train, runDir, specHash, logger, progress,
          labelled: splits.labelledClasses !== undefined,
          specYaml: request.resolvedSpecYaml,
          backend: backend.choice,
          ...(resumeFrom ? { resumeFrom } : {}),
        });
      } finally {
        optimizer.dispose();
      }
    }

    const evalPipeline = ensemblePipeline(spec, registry, context, shift);
    const extraction = {
      batchSize: spec.eval.batchSize,
      samples: spec.eval.ensemble.samples,
      random: RandomSource.fromSeed(spec.seed + 1),
      ...(scoreNeedsLabels && splits.labelledClasses !== undefined ? { labelled: { numClasses: splits.labelledClasses } } : {}),
    };
    const trainBank = extractFeatureBank(network, train, evalPipeline, extraction, progress, 'features (train)');
    const testBank = extractFeatureBank(network, splits.test, evalPipeline, extraction, progress, 'features (test)');

    let scores: Float32Array;
    let classProbabilities: Float32Array | undefined;
    try {
      if (scoreNeedsLabels) {
        // Training a classifier on the features can take minutes, with no progress bar of its own.
        progressStream.write(`fitting score "${spec.eval.score.name}" on the features of ${train.count} training images\n`);
      }
      logger.info({ score: spec.eval.score.name }, 'fitting the score');
      score.fit(trainBank);
      scores = score.score(testBank);
      classProbabilities = score.classProbabilities?.(testBank);
    } finally {
      score.dispose();
      tf.dispose([trainBank.projections, trainBank.shiftLogits, testBank.projections, testBank.shiftLogits]);
      tf.dispose([trainBank.features, testBank.features].filter((tensor) => tensor !== undefined));
    }

    const metrics = computeDetectionMetrics(spec, registry, context, scores, splits, oodSetImages);
    let predictions: { predicted: Int32Array; confidence: Float32Array } | undefined;
    if (classProbabilities && splits.labelledClasses !== undefined) {
      Object.assign(metrics, computeClassificationMetrics(classProbabilities, splits.labelledClasses, splits));
      predictions = readPredictions(classProbabilities, splits.labelledClasses);
    }
    const seconds = (Date.now() - started) / 1000;
    writeRunResults(runDir, {
      spec,
      resolvedSpecYaml: request.resolvedSpecYaml,
      description: splits.description,
      backend: backend.choice,
      metrics,
      history,
      seconds,
      test: splits.test,
      isNormal: splits.testIsNormal,
      scores,
      ...(request.checkpointDir ? { checkpointDir: resolve(request.checkpointDir) } : {}),
      ...(predictions ? { predictions } : {}),
    });
    logger.info({ ...metrics, seconds }, 'run finished');
    progress.stop();
    process.stderr.write(`run finished in ${formatDuration(seconds)}; results in ${runDir}\n`);
    return { runDir, metrics };
  } finally {
    network.dispose();
  }
}

function createComponent<K extends ComponentKind>(
  registry: ComponentRegistry,
  kind: K,
  ref: ComponentRef,
  context: ComponentContext,
  path: string,
): ComponentInstances[K] {
  const entry = registry.require(kind, ref.name, path);
  return entry.descriptor.create(ref.options, context) as ComponentInstances[K];
}

/**
 * Builds the pipeline of the test-time ensemble: the training augmentations with the crop scale fixed
 * to `eval.ensemble.cropScale`, as in the authors' evaluation. Unused when samples = 1.
 */
function ensemblePipeline(
  spec: ExperimentSpec,
  registry: ComponentRegistry,
  context: ComponentContext,
  shift: ShiftTransform,
): ViewPipeline {
  const scale = spec.eval.ensemble.cropScale;
  const align = spec.train.align.map((ref, i) => {
    const options = ref.name === 'crop' ? { ...ref.options, scale: [scale, scale] } : ref.options;
    return createComponent(registry, 'augmentation', { name: ref.name, options }, context, `train.align[${i}]`);
  });
  return { shift, align };
}

/**
 * Returns the test images of each OOD set, in ascending order, indexed like `oodSets.names`, or
 * undefined unless the anomalous images come from two or more OOD sets.
 */
function listOodSetImages(splits: EvaluationSplits): number[][] | undefined {
  if (!splits.oodSets || splits.oodSets.names.length < 2) return undefined;
  const images = splits.oodSets.names.map((): number[] => []);
  splits.oodSets.ofImage.forEach((owner, image) => {
    if (owner >= 0) images[owner]?.push(image);
  });
  return images;
}

/**
 * Computes each metric of the spec over all test images and, when the anomalous images come from
 * several OOD sets (`oodSetImages`), once more per OOD set against the normal images, as `auroc/<set>`.
 */
function computeDetectionMetrics(
  spec: ExperimentSpec,
  registry: ComponentRegistry,
  context: ComponentContext,
  scores: Float32Array,
  splits: EvaluationSplits,
  oodSetImages: readonly number[][] | undefined,
): Record<string, number> {
  const normalImages: number[] = [];
  splits.testIsNormal.forEach((isNormal, image) => {
    if (isNormal === 1) normalImages.push(image);
  });
  // The images of each pair, in test order, selected once for all metrics.
  const pairs = (oodSetImages ?? []).map((setImages) => {
    const images = [...normalImages, ...setImages].sort((a, b) => a - b);
    return {
      scores: Float32Array.from(images, (image) => scores[image] as number),
      isNormal: Uint8Array.from(images, (image) => splits.testIsNormal[image] as number),
    };
  });

  const metrics: Record<string, number> = {};
  for (const [i, name] of spec.eval.metrics.entries()) {
    const metric = createComponent(registry, 'metric', { name, options: {} }, context, `eval.metrics[${i}]`);
    metrics[name] = metric.compute(scores, splits.testIsNormal);
    pairs.forEach((pair, set) => {
      metrics[`${name}/${splits.oodSets?.names[set]}`] = metric.compute(pair.scores, pair.isNormal);
    });
  }
  return metrics;
}

/** Computes the top-1 accuracy and expected calibration error (15 bins) of a classifier on the normal test images. */
function computeClassificationMetrics(probabilities: Float32Array, numClasses: number, splits: EvaluationSplits): Record<string, number> {
  return {
    accuracy: computeAccuracy(probabilities, numClasses, splits.test.labels, splits.testIsNormal),
    ece: computeExpectedCalibrationError(probabilities, numClasses, splits.test.labels, splits.testIsNormal),
  };
}

/** Returns the class of maximum probability in each row of `probabilities` [M, C] (the first on ties), and that probability. */
function readPredictions(probabilities: Float32Array, numClasses: number): { predicted: Int32Array; confidence: Float32Array } {
  const predicted = Int32Array.from({ length: probabilities.length / numClasses }, (_, row) => findPredictedClass(probabilities, numClasses, row));
  const confidence = Float32Array.from(predicted, (predictedClass, row) => probabilities[row * numClasses + predictedClass] as number);
  return { predicted, confidence };
}

/** Fewer scored images than this make a per-set AUROC too coarse to compare. */
const MIN_IMAGES_PER_OOD_SET = 30;

/**
 * Logs how many images of each OOD set are scored, and warns about a set with few of them:
 * data.maxTestImages draws from all sets in proportion, so a small set can keep only a handful.
 */
function warnAboutSmallOodSets(splits: EvaluationSplits, oodSetImages: readonly number[][] | undefined, logger: Logger): void {
  const names = splits.oodSets?.names;
  if (!names || !oodSetImages) return;
  logger.info({ oodSets: Object.fromEntries(names.map((name, set) => [name, oodSetImages[set]?.length])) }, 'scored images per OOD set');
  names.forEach((name, set) => {
    const count = oodSetImages[set]?.length ?? 0;
    if (count >= MIN_IMAGES_PER_OOD_SET) return;
    logger.warn(
      { oodSet: name, images: count },
      `only ${count} images of OOD set "${name}" are scored, so its metrics (e.g. auroc/${name}) are coarse; ` +
        'raise data.maxTestImages, or set it to null to score every test image',
    );
  });
}

/** Loss terms and scores of the shift classifier, which need K > 1 to carry any signal. */
const SHIFT_LOSSES = new Set(['cls-si']);
const SHIFT_SCORES = new Set(['cls-si', 'csi']);

/**
 * Warns when the spec has no shift transform (K = 1) but uses the shift classifier, whose loss is
 * then 0 and whose score is constant. A run like that is legal, but rarely what was meant.
 */
function warnWithoutShift(spec: ExperimentSpec, shift: ShiftTransform, logger: Logger): void {
  if (shift.numShifts > 1) return;
  const parts = [
    ...spec.train.loss.filter((loss) => SHIFT_LOSSES.has(loss.name)).map((loss) => `loss "${loss.name}"`),
    ...(SHIFT_SCORES.has(spec.eval.score.name) ? [`score "${spec.eval.score.name}"`] : []),
  ];
  if (parts.length === 0) return;
  const message =
    `train.shift is empty (K = 1), so the shift classifier of ${parts.join(' and ')} has one class and carries no signal; ` +
    'add a shift transform (e.g. train.shift: [rotation]) or use nt-xent and the con score for SimCLR';
  logger.warn({ parts }, message);
}

function checkDataFitsSpec(spec: ExperimentSpec, train: ImageSet, test: ImageSet): void {
  if (train.count === 0) {
    throw new DataError('the protocol selected no training images: check protocol.options.normalClasses');
  }
  if (spec.train.batchSize > train.count) {
    throw new SpecError([
      {
        path: 'train.batchSize',
        message: `batch size ${spec.train.batchSize} is larger than the ${train.count} training images; lower it to at most ${train.count}`,
      },
    ]);
  }
  if (test.count === 0) throw new DataError('the protocol selected no test images');
}

function requireCheckpoint(dir: string): Checkpoint {
  const checkpoint = loadCheckpoint(dir);
  if (!checkpoint) {
    throw new RunError(`no checkpoint found in ${dir}: pass the run folder of a finished or interrupted run to --checkpoint`);
  }
  return checkpoint;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
}
