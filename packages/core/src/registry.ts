import { closest, distance } from 'fastest-levenshtein';
import { CsiError, SpecError } from './errors.js';
import type { Logger } from './logger.js';
import type { DatasetSource, EvaluationProtocol } from './contracts/data.js';
import type { LossTerm } from './contracts/loss.js';
import type { NetworkBuilder } from './contracts/network.js';
import type { DetectionScore, Metric } from './contracts/score.js';
import type { ShiftTransform, SoftAugmentation } from './contracts/transform.js';

/** A JSON Schema (draft-07 subset that ajv understands) for a component's options object. */
export type JsonSchema = Record<string, unknown>;

/** What each kind of component creates; the key is the kind as written in `csi list`. */
export interface ComponentInstances {
  shift: ShiftTransform;
  augmentation: SoftAugmentation;
  backbone: NetworkBuilder;
  loss: LossTerm;
  score: DetectionScore;
  metric: Metric;
  dataset: DatasetSource;
  protocol: EvaluationProtocol;
}

export type ComponentKind = keyof ComponentInstances;

/** Every kind, in the order `csi list` prints them. */
export const COMPONENT_KINDS = [
  'dataset',
  'protocol',
  'shift',
  'augmentation',
  'backbone',
  'loss',
  'score',
  'metric',
] as const satisfies readonly ComponentKind[];

/** Services a component may use while it is created. */
export interface ComponentContext {
  logger: Logger;
  /** Folder for downloaded or cached files (data sets); created on demand by the component. */
  cacheDir: string;
}

/**
 * A component: its kind, the name written in YAML, a one-line summary, the JSON Schema of its
 * options (with defaults) and a factory. `create` receives options already validated against
 * `optionsSchema` with defaults filled in.
 */
export interface ComponentDescriptor<K extends ComponentKind = ComponentKind, Options = never> {
  readonly kind: K;
  readonly name: string;
  readonly summary: string;
  readonly optionsSchema: JsonSchema;
  /**
   * `needed` for a loss or score that trains on class labels (SupCLR, the linear classifier of
   * sup-CSI), `provided` for a protocol that hands them to training. Spec validation rejects a
   * component that needs them under a protocol that does not provide them.
   */
  readonly classLabels?: 'needed' | 'provided';
  readonly create: (options: Options, context: ComponentContext) => ComponentInstances[K];
}

// A descriptor whose options type is erased, as the registry stores it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyComponentDescriptor = ComponentDescriptor<ComponentKind, any>;

type DescriptorInput<K extends ComponentKind, O> = Omit<ComponentDescriptor<K, O>, 'kind'>;

function defineKind<K extends ComponentKind>(kind: K) {
  return <O>(input: DescriptorInput<K, O>): ComponentDescriptor<K, O> => {
    assertComponentName(input.name);
    return Object.freeze({ ...input, kind });
  };
}

export const defineShiftTransform = defineKind('shift');
export const defineSoftAugmentation = defineKind('augmentation');
export const defineBackbone = defineKind('backbone');
export const defineLoss = defineKind('loss');
export const defineScore = defineKind('score');
export const defineMetric = defineKind('metric');
export const defineDataset = defineKind('dataset');
export const defineProtocol = defineKind('protocol');

const COMPONENT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function assertComponentName(name: string): void {
  if (!COMPONENT_NAME.test(name)) {
    throw new CsiError(
      `invalid component name "${name}": names are lowercase words joined by hyphens, e.g. "cut-perm"`,
    );
  }
}

/** The only thing a package's `register` function receives: a way to add components. */
export interface ComponentRegistrar {
  add(descriptor: AnyComponentDescriptor): void;
}

/** A plugin or built-in package: its exported `register` adds its components. */
export type RegisterFunction = (registrar: ComponentRegistrar) => void;

/** A registered component and the package that added it. */
export interface RegistryEntry {
  descriptor: AnyComponentDescriptor;
  source: string;
}

/**
 * Every component known to a run, by kind and name. A name registered twice for one kind is an
 * error that names both packages.
 */
export class ComponentRegistry {
  private readonly entries = new Map<string, RegistryEntry>();

  /** Returns a registrar that records `source` (a package name or path) as the owner of what it adds. */
  registrarFor(source: string): ComponentRegistrar {
    return { add: (descriptor) => this.add(descriptor, source) };
  }

  add(descriptor: AnyComponentDescriptor, source: string): void {
    const key = `${descriptor.kind}:${descriptor.name}`;
    const existing = this.entries.get(key);
    if (existing) {
      throw new CsiError(
        `${descriptor.kind} "${descriptor.name}" is registered twice: by ${existing.source} and by ${source}. ` +
          'Rename one of them or remove one package from `plugins:`.',
      );
    }
    this.entries.set(key, { descriptor, source });
  }

  get<K extends ComponentKind>(kind: K, name: string): RegistryEntry | undefined {
    return this.entries.get(`${kind}:${name}`);
  }

  /** Names of one kind, sorted. */
  names(kind: ComponentKind): string[] {
    return this.list(kind).map((entry) => entry.descriptor.name);
  }

  /** Entries of one kind (or all), sorted by kind then name. */
  list(kind?: ComponentKind): RegistryEntry[] {
    return [...this.entries.values()]
      .filter((entry) => kind === undefined || entry.descriptor.kind === kind)
      .sort(
        (a, b) =>
          COMPONENT_KINDS.indexOf(a.descriptor.kind) - COMPONENT_KINDS.indexOf(b.descriptor.kind) ||
          a.descriptor.name.localeCompare(b.descriptor.name),
      );
  }

  /** Returns the entry or throws a SpecError that lists the known names and the closest one. */
  require(kind: ComponentKind, name: string, path = ''): RegistryEntry {
    const entry = this.get(kind, name);
    if (entry) return entry;
    const known = this.names(kind);
    throw new SpecError([{ path, message: describeUnknownName(kind, name, known) }]);
  }
}

/** `unknown shift transform "rotaton". Known: rotation, cut-perm. Did you mean "rotation"?` */
export function describeUnknownName(kind: string, name: string, known: readonly string[]): string {
  const label = KIND_LABELS[kind as ComponentKind] ?? kind;
  const list = known.length > 0 ? known.join(', ') : '(none registered)';
  const suggestion = suggestClosest(name, known);
  const hint = suggestion ? ` Did you mean "${suggestion}"?` : '';
  return `unknown ${label} "${name}". Known: ${list}.${hint}`;
}

/** The candidate closest to `name` by edit distance, if it is close enough to be a typo. */
export function suggestClosest(name: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(name, [...candidates]);
  // A typo changes at most about a third of a name; further away, a suggestion only misleads.
  const limit = Math.max(2, Math.floor(name.length / 3));
  return distance(name, best) <= limit ? best : undefined;
}

const KIND_LABELS: Record<ComponentKind, string> = {
  shift: 'shift transform',
  augmentation: 'soft augmentation',
  backbone: 'backbone',
  loss: 'loss',
  score: 'score',
  metric: 'metric',
  dataset: 'dataset',
  protocol: 'protocol',
};
