import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../util/errors.ts';
import { checkReferences, ConfigSchema, type Config } from './schema.ts';

export interface LoadedConfig {
  config: Config;
  file: string;
  /** SHA-256 of the resolved config, recorded with each allocation run. */
  sha256: string;
}

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

  substituteEnv(doc, doc.contents, [], env, (path, why, node) => {
    throw new ConfigError(file, lineOf(node.range?.[0]), formatPath(path), why);
  });

  const parsed = ConfigSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    // A typo yields "unknown key" and "missing key"; the unknown key is the one to show.
    const issues = parsed.error.issues;
    const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
    const { path, why } = describeIssue(issue);
    throw new ConfigError(file, lineAt(doc, path, lineOf), formatPath(path), why);
  }
  const ref = checkReferences(parsed.data)[0];
  if (ref) throw new ConfigError(file, lineAt(doc, ref.path, lineOf), formatPath(ref.path), ref.message);

  const sha256 = createHash('sha256').update(JSON.stringify(parsed.data)).digest('hex');
  return { config: parsed.data, file, sha256 };
}

/** Replaces `${NAME}` in every string scalar; a missing variable is an error at its line. */
function substituteEnv(
  doc: Document,
  node: unknown,
  path: (string | number)[],
  env: NodeJS.ProcessEnv,
  fail: (path: (string | number)[], why: string, node: Node) => never,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      substituteEnv(doc, pair.value, [...path, key], env, fail);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => substituteEnv(doc, item, [...path, i], env, fail));
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
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
