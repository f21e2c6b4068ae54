import type { ComponentRegistry, Logger } from '@csi/core';
import type { ExperimentSpec } from '../spec/types.js';

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
  /** Continue from the last complete checkpoint in `outDir`. */
  resume: boolean;
  /** For `csi eval`: score this saved model instead of training. */
  checkpointDir?: string;
  logger: Logger;
}

/** What a finished run reports back to the command line. */
export interface ExperimentResult {
  runDir: string;
  metrics: Record<string, number>;
}

/** Trains (unless `checkpointDir` is given) and scores, writing the run folder. */
export async function runExperiment(request: ExperimentRequest): Promise<ExperimentResult> {
  // TODO: training loop and evaluation, being written in this change. Remove this stub then.
  throw new Error(`runExperiment is not built yet (spec ${request.specFile})`);
}
