import { join } from 'node:path';
import type { ImageSet } from '@csi/core';
import type { ExperimentSpec } from '../spec/types.js';
import { writeFileAtomic } from './atomic-write.js';
import type { EpochRecord } from './train.js';

export interface RunResults {
  spec: ExperimentSpec;
  resolvedSpecYaml: string;
  description: string;
  backend: string;
  metrics: Record<string, number>;
  history: EpochRecord[];
  seconds: number;
  test: ImageSet;
  isNormal: Uint8Array;
  /** One detection score per test image; larger = more normal. */
  scores: Float32Array;
  /** For `csi eval`: the run folder of the checkpoint that was scored instead of training. */
  checkpointDir?: string;
  /** For a score that classifies: the predicted class and its probability per test image. */
  predictions?: { predicted: Int32Array; confidence: Float32Array };
}

/** File with the wall time and per-epoch throughput of a run, kept apart from metrics.json. */
export const TIMING_FILE = 'timing.json';

/**
 * Writes spec.yaml, scores.csv, report.md, timing.json and metrics.json into the run folder.
 * Each file is replaced atomically, and metrics.json is written last, so its presence marks a
 * finished run. metrics.json contains no timings, so two runs of the same spec and seed on the same
 * backend write byte-identical files.
 */
export function writeRunResults(runDir: string, results: RunResults): void {
  writeFileAtomic(join(runDir, 'spec.yaml'), results.resolvedSpecYaml);
  writeFileAtomic(join(runDir, 'scores.csv'), formatScoresCsv(results));
  writeFileAtomic(join(runDir, 'report.md'), formatReport(results));
  const metricsJson = {
    name: results.spec.name,
    seed: results.spec.seed,
    protocol: results.description,
    backend: results.backend,
    score: results.spec.eval.score.name,
    trainImages: undefined as number | undefined,
    testImages: results.test.count,
    metrics: results.metrics,
    history: results.history.map(({ imagesPerSecond: _, ...losses }) => losses),
  };
  delete metricsJson.trainImages;
  // An evaluation trains nothing, so the throughput of the checkpoint's epochs is not its own.
  const timing = {
    seconds: Math.round(results.seconds * 10) / 10,
    imagesPerSecond: results.checkpointDir ? [] : results.history.map((record) => record.imagesPerSecond ?? null),
  };
  writeFileAtomic(join(runDir, TIMING_FILE), `${JSON.stringify(timing, null, 2)}\n`);
  writeFileAtomic(join(runDir, 'metrics.json'), `${JSON.stringify(metricsJson, null, 2)}\n`);
}

function formatScoresCsv(results: RunResults): string {
  const { predictions } = results;
  const lines = [`index,label,class_name,is_normal,score${predictions ? ',predicted,confidence' : ''}`];
  for (let i = 0; i < results.test.count; i++) {
    const label = results.test.labels[i]!;
    const className = results.test.classNames[label] ?? String(label);
    const row = [i, label, escapeCsv(className), results.isNormal[i], results.scores[i]];
    if (predictions) row.push(predictions.predicted[i], predictions.confidence[i]);
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Quotes a CSV field when it contains a comma, quote or line break (RFC 4180), and defuses spreadsheet formulas. */
export function escapeCsv(value: string): string {
  const defused = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused;
}

// Class names inside the description may hold line breaks, which would end the Markdown list item.
function toOneLine(text: string): string {
  return text.replace(/\r\n|[\r\n]/g, ' ');
}

function formatReport(results: RunResults): string {
  const metricRows = Object.entries(results.metrics).map(([name, value]) => `| ${name} | ${value.toFixed(4)} |`);
  const lossKeys = [...new Set(results.history.flatMap((record) => Object.keys(record)))].filter((key) => key !== 'epoch');
  const historyRows = results.history.map(
    (record) => `| ${record.epoch} | ${lossKeys.map((key) => (record[key] ?? NaN).toFixed(4)).join(' | ')} |`,
  );
  return [
    `# ${results.spec.name}`,
    '',
    `- protocol: ${toOneLine(results.description)}`,
    `- score: ${results.spec.eval.score.name}; test images: ${results.test.count}`,
    `- backend: ${results.backend}; seed: ${results.spec.seed}; wall time: ${results.seconds.toFixed(0)} s`,
    ...(results.checkpointDir ? [`- scored the checkpoint of ${results.checkpointDir}, without training`] : []),
    '',
    '| metric | value |',
    '| --- | --- |',
    ...metricRows,
    '',
    results.checkpointDir ? '## Training of the checkpoint' : '## Training',
    '',
    `| epoch | ${lossKeys.join(' | ')} |`,
    `| --- | ${lossKeys.map(() => '---').join(' | ')} |`,
    ...historyRows,
    '',
  ].join('\n');
}
