// One JSON casing for everything Allot writes as JSON: snake_case, like the
// chargeback CSV's columns.

/** camelCase → snake_case, for one key. */
const snake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();

/** Keys that hold data, not field names: their keys are kept as they are (tag keys, labels, headers). */
const DATA_KEYS = new Set(['tags', 'labels', 'headers', 'extra']);

/**
 * The shape `--json` and the demo summary print: every field name snake_case, like the chargeback
 * CSV's columns (results built in TypeScript use camelCase names). Maps of
 * data (tags, labels) keep their keys.
 */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [snake(k), DATA_KEYS.has(k) ? v : snakeKeys(v)]),
  );
}
