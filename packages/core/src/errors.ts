/**
 * Typed errors thrown by every @csi package. Library code throws them and never prints or
 * exits; the `csi` command line prints `message` without a stack trace and chooses the exit
 * code from the class (2 for `SpecError` and `UsageError`, 1 otherwise).
 */

/** Base class, so the command line can tell our errors from programming errors. */
export class CsiError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A position in a spec file, 1-based, as YAML editors show it. */
export interface SpecLocation {
  file: string;
  line: number;
  column: number;
}

/** One problem found in a spec: where it is, the spec path (`train.loss[1].weight`), and what is wrong. */
export interface SpecProblem {
  location?: SpecLocation;
  path: string;
  message: string;
}

/** An invalid experiment spec or component option. Holds every problem found, not only the first. */
export class SpecError extends CsiError {
  readonly problems: SpecProblem[];

  constructor(problems: SpecProblem[], options?: { cause?: unknown }) {
    super(problems.map(formatSpecProblem).join('\n'), options);
    this.problems = problems;
  }
}

/** Formats a problem as `file:line:column path: message`, leaving out the parts that are unknown. */
export function formatSpecProblem(problem: SpecProblem): string {
  const where = problem.location
    ? `${problem.location.file}:${problem.location.line}:${problem.location.column} `
    : '';
  const path = problem.path === '' ? '(spec root)' : problem.path;
  return `${where}${path}: ${problem.message}`;
}

/** A bad command line: unknown flag, missing argument, malformed `--set`. */
export class UsageError extends CsiError {}

/** A tensor of the wrong rank, size or dtype passed to a library function. */
export class ShapeError extends CsiError {}

/** A data file that is missing, corrupt, truncated or of the wrong format. */
export class DataError extends CsiError {}

/** A tensor backend that could not be loaded or lacks a kernel. */
export class BackendError extends CsiError {}

/** A training run that cannot go on: a NaN loss, a failed checkpoint write. */
export class RunError extends CsiError {}
