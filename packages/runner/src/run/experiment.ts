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
  type ImageSet,
  type Logger,
  type ShiftTransform,
} from '@csi/core';
import { defaultCacheDir, limitImages, limitTestImages } from '@csi/datasets';
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
  const splits = await protocol.prepare(dataset);
  const dataRandom = RandomSource.fromSeed(spec.seed).fork();
  const train = limitImages(splits.train, spec.data.maxTrainImages, dataRandom);
  const limitedTest = limitTestImages(splits.test, splits.testIsNormal, spec.data.maxTestImages, dataRandom);
  const testCapped = { set: limitedTest.test, isNormal: limitedTest.testIsNormal };
  checkDataFitsSpec(spec, train, testCapped.set);
  logger.info({ protocol: splits.description, trainImages: train.count, testImages: testCapped.set.count }, 'data ready');

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
        }
        history = trainNetwork({
          spec, network, pipeline, losses, optimizer, train, runDir, specHash, logger, progress,
          specYaml: request.resolvedSpecYaml,
          backend: backend.choice,
          ...(resumeFrom ? { resumeFrom } : {}),
        });
      } finally {
        optimizer.dispose();
      }
    }

    const evalPipeline = ensemblePipeline(spec, registry, context, shift);
    const extraction = { batchSize: spec.eval.batchSize, samples: spec.eval.ensemble.samples, random: RandomSource.fromSeed(spec.seed + 1) };
    const trainBank = extractFeatureBank(network, train, evalPipeline, extraction, progress, 'features (train)');
    const testBank = extractFeatureBank(network, testCapped.set, evalPipeline, extraction, progress, 'features (test)');

    const score = createComponent(registry, 'score', spec.eval.score, context, 'eval.score');
    score.fit(trainBank);
    const scores = score.score(testBank);
    score.dispose();
    tf.dispose([trainBank.projections, trainBank.shiftLogits, testBank.projections, testBank.shiftLogits]);

    const metrics: Record<string, number> = {};
    for (const [i, name] of spec.eval.metrics.entries()) {
      const metric = createComponent(registry, 'metric', { name, options: {} }, context, `eval.metrics[${i}]`);
      metrics[name] = metric.compute(scores, testCapped.isNormal);
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
      test: testCapped.set,
      isNormal: testCapped.isNormal,
      scores,
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
