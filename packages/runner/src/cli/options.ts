/**
 * Collects a repeatable option's values in order. The option has no default (an empty list would
 * show in the help as `default: []`), so `previous` is undefined for the first value.
 */
export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export const SET_OPTION_HELP = 'override a spec value before validation, e.g. train.epochs=3; the value is YAML (repeatable)';
export const PLUGIN_OPTION_HELP = 'also load this plugin: a package name or a path relative to the working directory (repeatable)';
