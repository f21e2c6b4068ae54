import { createHash } from 'node:crypto';

// Characters kept in cell ids: portable file-name characters plus "+". Anything else becomes "-".
const UNSAFE_CHARACTERS = /[^A-Za-z0-9._+-]/g;

/** Longest id part before it is shortened and given a hash suffix, so paths stay short. */
const MAX_PART_LENGTH = 48;

/**
 * Serialises a value as JSON with object keys sorted, so that equal values give equal text
 * whatever the key order in the YAML.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The first `length` hex digits of the SHA-256 of `text`. */
export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Writes a swept value as a short file-name-safe word: `0.1`, `0+1` for `[0, 1]`, `none` for
 * `[]`, `rotation+cut-perm` for a list of components. A component contributes its name only,
 * so two values that differ only in options get the same word; `formatCellId`'s caller checks
 * that ids stay distinct.
 */
export function slugValue(value: unknown): string {
  return sanitise(describeValueForId(value));
}

function describeValueForId(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(describeValueForId).join('+');
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.name === 'string') return record.name;
    return Object.entries(record)
      .map(([key, item]) => `${key}-${describeValueForId(item)}`)
      .join('+');
  }
  return String(value);
}

/** Replaces characters that ids do not keep, and shortens a long part with a hash of the full text. */
export function sanitise(text: string): string {
  const safe = text.replace(UNSAFE_CHARACTERS, '-');
  if (safe.length <= MAX_PART_LENGTH) return safe === '' ? 'empty' : safe;
  return `${safe.slice(0, MAX_PART_LENGTH - 9)}-${shortHash(text)}`;
}

/** Joins the parts of one cell into its id: `normalClasses-0_score-csi`. */
export function formatCellId(parts: readonly string[]): string {
  return parts.join('_');
}
