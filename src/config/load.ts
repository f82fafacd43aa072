import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../util/errors.ts';
import { isSecretKey, redactConfig } from './redact.ts';
import { checkReferences, ConfigSchema, type Config } from './schema.ts';

export interface LoadedConfig {
  config: Config;
  file: string;
  /** SHA-256 of the resolved config with its secrets redacted (redactConfig), recorded with each allocation run. */
  sha256: string;
}

/** Aliases a configuration may use: a "billion laughs" document expands past any memory with a few dozen. */
const MAX_ALIASES = 100;

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, undefined, '', `cannot read config: ${(e as NodeJS.ErrnoException).code ?? String(e)} (run "allot init" to write a starter config)`);
  }
  return parseConfig(text, file, env);
}

/** Parses YAML text, substitutes `${VAR}`, validates shape and references. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
  const first = doc.errors[0];
  if (first) throw new ConfigError(file, lineOf(first.pos[0]), '', first.message.split('\n')[0] ?? 'invalid YAML');

  const substituted = new Map<string, string>();
  substituteEnv(doc, doc.contents, [], env, (path, why, node) => {
    throw new ConfigError(file, lineOf(node.range?.[0]), formatPath(path), why);
  }, substituted);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new ConfigError(file, lineOf(firstAlias(doc)), '', `too many YAML aliases (*name): more than ${MAX_ALIASES} expansions; write the values out`);
  }

  let parsed = ConfigSchema.safeParse(data, { reportInput: true });
  // `${VAR}` always yields text; where the schema wants a number or a boolean, the text is converted.
  for (let round = 0; !parsed.success && round <= substituted.size; round++) {
    const wrong = parsed.error.issues.filter((i) => i.code === 'invalid_type' && substituted.has(pathKey(i.path)) && typeof i.input === 'string');
    if (wrong.length === 0) break;
    for (const issue of wrong) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const expected = (issue as { expected: string }).expected;
      const converted = convert(issue.input as string, expected);
      if (converted === undefined) {
        const v = substituted.get(pathKey(issue.path))!;
        const shown = isSecretKey(String(path.at(-1) ?? '')) ? 'a value' : `"${cutValue(issue.input as string)}"`;
        throw new ConfigError(file, lineAt(doc, path, lineOf), formatPath(path), `${v} is ${shown}, which is not ${article(expected)}`);
      }
      setIn(data, path, converted);
    }
    parsed = ConfigSchema.safeParse(data, { reportInput: true });
  }
  if (!parsed.success) {
    // A typo yields "unknown key" and "missing key"; the unknown key is the one to show.
    const issues = parsed.error.issues;
    const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
    const { path, why } = describeIssue(issue);
    throw new ConfigError(file, lineAt(doc, path, lineOf), formatPath(path), why);
  }
  const ref = checkReferences(parsed.data)[0];
  if (ref) throw new ConfigError(file, lineAt(doc, ref.path, lineOf), formatPath(ref.path), ref.message);

  const sha256 = createHash('sha256').update(JSON.stringify(redactConfig(parsed.data))).digest('hex');
  return { config: parsed.data, file, sha256 };
}

const pathKey = (path: readonly PropertyKey[]) => JSON.stringify(path.filter((p) => typeof p !== 'symbol'));

/** The text of a `${VAR}` as the number or boolean the schema wants, or undefined. */
function convert(text: string, expected: string): number | boolean | undefined {
  const t = text.trim();
  if (expected === 'number' || expected === 'int') {
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  if (expected === 'boolean') {
    if (/^(true|yes|on)$/i.test(t)) return true;
    if (/^(false|no|off)$/i.test(t)) return false;
  }
  return undefined;
}

const article = (type: string) => (type === 'int' ? 'a whole number' : /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function setIn(root: unknown, path: (string | number)[], value: unknown): void {
  let cur = root as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  cur[path.at(-1)!] = value;
}

function firstAlias(doc: Document): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      at = node.range?.[0];
      return visit.BREAK;
    },
  });
  return at;
}

const cutValue = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** What a value is, for "expected X, found Y"; never the value of a secret. */
function describeValue(v: unknown, secret: boolean): string {
  if (v === null) return 'an empty value (null)';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return secret ? 'text' : `the text "${cutValue(v)}"`;
    case 'number':
      return secret ? 'a number' : `the number ${v}`;
    case 'boolean':
      return `${v}`;
    case 'object':
      return 'a mapping (key: value)';
    default:
      return typeof v;
  }
}

/**
 * Replaces `${NAME}` in every string scalar; a missing variable is an error at
 * its line. Records each substituted path with its original text, so a value
 * the schema wants as a number or boolean can be converted (and named) later.
 */
function substituteEnv(
  doc: Document,
  node: unknown,
  path: (string | number)[],
  env: NodeJS.ProcessEnv,
  fail: (path: (string | number)[], why: string, node: Node) => never,
  substituted: Map<string, string>,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      substituteEnv(doc, pair.value, [...path, key], env, fail, substituted);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => substituteEnv(doc, item, [...path, i], env, fail, substituted));
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
    substituted.set(pathKey(path), node.value);
    node.value = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) fail(path, `environment variable ${name} is not set`, node);
      return v;
    });
  }
}

function describeIssue(issue: z.core.$ZodIssue): { path: (string | number)[]; why: string } {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return { path: [...path, key], why: `unknown key "${key}"` };
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return { path, why: `required key is missing (expected ${issue.expected})` };
  }
  if (issue.code === 'invalid_type') {
    return { path, why: `expected ${article(issue.expected)}, found ${describeValue(issue.input, isSecretKey(String(path.at(-1) ?? '')))}` };
  }
  return { path, why: issue.message };
}

/** The line of the deepest node on `path` that exists (the key itself for unknown keys). */
function lineAt(doc: Document, path: (string | number)[], lineOf: (o: number | undefined) => number | undefined): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    const parent = n > 0 ? doc.getIn(sub.slice(0, -1), true) : undefined;
    // Prefer the key's own position, so "unknown key" points at that key.
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(sub[sub.length - 1]));
      if (pair && isScalar(pair.key)) return lineOf(pair.key.range?.[0]);
    }
    const node = doc.getIn(sub, true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return lineOf(node.range[0]);
  }
  return undefined;
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
