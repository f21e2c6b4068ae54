/** Collects a repeatable option's values in order. */
export function collectValues(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const SET_OPTION_HELP = 'override a spec value before validation, e.g. train.epochs=3; the value is YAML (repeatable)';
export const PLUGIN_OPTION_HELP = 'also load this plugin: a package name or a path relative to the working directory (repeatable)';
