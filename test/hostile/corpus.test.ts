// The hostile-input corpus: bad files and configurations, each with the one
// line the CLI must answer, and the store file's SHA-256 unchanged after each
// refusal (nothing half-written, not even an import record). Inputs that are
// odd but valid (a BOM, a header alone, huge cells, control characters and
// injection payloads in values) are imported, and then reach the terminal,
// the CSV and the store neutralised.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { Store } from '../../src/store/db.ts';

const BIN = fileURLToPath(new URL('../../bin/allot.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'allot-hostile-'));
const db = join(dir, 'allot.duckdb');
const cfg = join(dir, 'allot.yaml');
const f = (name: string) => join(dir, 'in', name);

const H = 'BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,BilledCost,EffectiveCost,ListCost,ServiceName,Tags';
const row = (o: { service?: string; team?: string; start?: string; cost?: string } = {}) =>
  `111,USD,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,${o.start ?? '2024-09-01T00:00:00Z'},2024-09-30T00:00:00Z,Usage,${o.cost ?? '10.00'},${o.cost ?? '10.00'},12.00,` +
  `${o.service ?? 'Compute'},"{""team"": ""${o.team ?? 'alpha'}""}"`;
const csv = (...lines: string[]) => `${lines.join('\n')}\n`;
/** Bytes that look like nothing: the same every run. */
const noise = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919 + 13) % 251));

const CONFIG = `teams:
  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100" }
  - { id: bravo, name: Bravo, cost_center: CC-B, gl_account: "6200" }
shared_pools:
  - { id: ops, name: Ops, strategy: fixed, weights: { alpha: 2, bravo: 1 } }
`;

const sha = () => createHash('sha256').update(readFileSync(db)).digest('hex');

/** The CLI in this process, its output captured. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const code = await main(['node', 'allot', '--db', db, '--config', cfg, ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** The real binary (for inputs that could hang a process: it gets a timeout). */
function bin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--db', db, '--config', cfg, ...args], { env: { ...process.env, CI: 'true' }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  mkdirSync(join(dir, 'in'));
  writeFileSync(cfg, CONFIG);
  writeFileSync(f('ok.csv'), csv(H, row()));
  const r = await cli(['ingest', 'focus', f('ok.csv')]);
  expect(r.code, r.stderr).toBe(0);
  expect((await cli(['attribute', '--period', '2024-09'])).code).toBe(0);
});

interface Case {
  name: string;
  file: string;
  content: string | Buffer;
  /** The subcommand and its flags before the file. */
  command?: string[];
  /** The whole of stderr, one line (FILE stands for the file's path). */
  error: string | RegExp;
  code?: number;
}

const CUR_HEADER = readFileSync(fileURLToPath(new URL('../fixtures/aws-cur/legacy-2024-03.csv', import.meta.url)), 'utf8').split('\n')[0]!;

const FILES: Case[] = [
  { name: 'truncated gzip', file: 'cut.csv.gz', content: gzipSync(csv(H, row(), row())).subarray(0, 40), error: 'FILE: cannot decompress gzip: unexpected end of file' },
  { name: 'gzip of noise', file: 'noise.csv.gz', content: gzipSync(noise(3000)), error: /^FILE(:1)?: (not a FOCUS export: missing columns BillingAccountId, |cannot read)/ },
  { name: 'empty file', file: 'empty.csv', content: '', error: 'FILE: empty file: no CSV header' },
  { name: 'wrong delimiter (;)', file: 'semi.csv', content: csv(H, row()).replaceAll(',', ';'), error: 'FILE:1: the header is one column with ";" in it: a FOCUS CSV is comma-separated' },
  { name: 'wrong delimiter (tab)', file: 'tab.csv', content: csv(H.replaceAll(',', '\t')), error: 'FILE:1: the header is one column with "\\t" in it: a FOCUS CSV is comma-separated' },
  {
    name: 'Latin-1',
    file: 'latin1.csv',
    content: Buffer.concat([Buffer.from(`${H}\n`), Buffer.from(`${row({ service: 'Caf\u00e9' })}\n`, 'latin1')]),
    error: 'FILE:2: cannot read as CSV: Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.',
  },
  { name: 'duplicate column', file: 'dup.csv', content: csv(`${H},BilledCost`, `${row()},3.00`), error: 'FILE:1: duplicate column: "BilledCost" (column 8) and "BilledCost" (column 13) name the same column; remove one' },
  { name: 'duplicate column, other case', file: 'dupcase.csv', content: csv(`${H},billedcost`, `${row()},3.00`), error: 'FILE:1: duplicate column: "BilledCost" (column 8) and "billedcost" (column 13) name the same column; remove one' },
  { name: 'impossible date', file: 'feb30.csv', content: csv(H, row(), row({ start: '2024-02-30T00:00:00Z' })), error: 'FILE:3: column ChargePeriodStart: not a timestamp: "2024-02-30T00:00:00Z"' },
  { name: 'a row longer than its header', file: 'cols.csv', content: csv(H, `${row()},x,y`), error: 'FILE:2: cannot read as CSV: Expected Number of Columns: 12 Found: 13' },
  { name: 'a 3 MB cell', file: 'huge.csv', content: csv(H, row({ service: 'y'.repeat(3_000_000) })), error: 'FILE:2: cannot read as CSV: Maximum line size of 2000000 bytes exceeded. Actual Size:3000140 bytes.' },
  {
    name: 'raw control characters in JSON tags',
    file: 'ctrl-tags.csv',
    content: csv(H, row({ team: 'al\u001b]0;pwned\u0007\u001b[31mpha' })),
    error: 'FILE:2: column Tags: not a JSON object: "{\\"team\\": \\"al\\u001B]0;pwned\\u0007\\u001B[31mpha\\"}"',
  },
  { name: 'not a number', file: 'cost.csv', content: csv(H, row({ cost: '1O.00' })), error: 'FILE:2: column BilledCost: not a decimal number: "1O.00"' },
  { name: 'missing columns', file: 'cols-missing.csv', content: csv('BillingAccountId,BilledCost', '1,2'), error: /^FILE: not a FOCUS export: missing columns BillingCurrency, BillingPeriodStart, / },
  { name: 'text named .parquet', file: 'fake.parquet', content: csv(H, row()), error: 'FILE: not a Parquet file (it does not start with PAR1)' },
  { name: 'a directory without an export in it', file: 'adir', content: '<dir>', error: 'FILE: holds no export manifest and no export files' },
  {
    name: 'a quote in the file name (SQL)',
    file: "x'); DROP TABLE imports; --.csv",
    content: csv(H, row({ start: 'tomorrow' })),
    error: "FILE:2: column ChargePeriodStart: not a timestamp: \"tomorrow\"",
  },
  { name: 'CUR: a tag column twice', file: 'cur-dup.csv', command: ['ingest', 'aws-cur'], content: `${CUR_HEADER},resourceTags/user:team\n`, error: 'FILE:1: duplicate column: "resourceTags/user:team" (column 33) and "resourceTags/user:team" (column 35) name the same column; remove one' },
  { name: 'k8s: not JSON', file: 'bad.jsonl', command: ['ingest', 'k8s', '--snapshots'], content: 'not json\n', error: 'FILE:1: invalid JSON: Unexpected token \'o\', "not json" is not valid JSON' },
];

const CONFIGS: { name: string; yaml: string; env?: Record<string, string>; error: string | RegExp }[] = [
  {
    name: 'YAML alias bomb',
    yaml: `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nteams: *d\n`,
    error: 'CFG:2: too many YAML aliases (*name): more than 100 expansions; write the values out',
  },
  { name: 'a weight of 1e308', yaml: CONFIG.replace('alpha: 2', 'alpha: 1e308'), error: 'CFG:5: shared_pools[0].weights.alpha: must be at most 1,000,000,000,000' },
  { name: 'a wrong type', yaml: CONFIG.replace('gl_account: "6200"', 'gl_account: "6200", receives_shared: "no"'), error: 'CFG:3: teams[1].receives_shared: expected a boolean, found the text "no"' },
  { name: 'tabs for indentation', yaml: 'teams:\n\t- id: a\n', error: 'CFG:2: Tabs are not allowed as indentation' },
  { name: 'an unset variable', yaml: CONFIG.replace('CC-A', '"${NOT_SET_ANYWHERE}"'), error: 'CFG:2: teams[0].cost_center: environment variable NOT_SET_ANYWHERE is not set' },
  { name: 'a variable that is not a number', yaml: CONFIG.replace('alpha: 2', 'alpha: "${W}"'), env: { W: '2; DROP TABLE teams' }, error: 'CFG:5: shared_pools[0].weights.alpha: ${W} is "2; DROP TABLE teams", which is not a number' },
  { name: 'noise', yaml: noise(400).toString('latin1'), error: /^CFG(:\d+)?: / },
];

describe('refused inputs: one line, the store unchanged', () => {
  let before = '';
  beforeAll(() => {
    before = sha();
  });
  afterEach(() => {
    expect(sha(), 'the store file changed').toBe(before);
  });

  it.each(FILES)('$name', async (c) => {
    const file = f(c.file);
    if (c.content === '<dir>') mkdirSync(file, { recursive: true });
    else writeFileSync(file, c.content);
    const r = await cli([...(c.command ?? ['ingest', 'focus']), file]);
    expect(r.code).toBe(c.code ?? 1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l && !/^ingest [a-z-]+: (started|done)/.test(l));
    expect(lines).toHaveLength(1);
    const line = lines[0]!.replace(/^allot: /, '');
    if (typeof c.error === 'string') expect(line).toBe(c.error.replace('FILE', file));
    else expect(line.replace(file, 'FILE')).toMatch(c.error);
    expect(line.length).toBeLessThan(600);
  });

  it.each(CONFIGS)('config: $name', async (c) => {
    const file = join(dir, `bad-${CONFIGS.indexOf(c)}.yaml`);
    writeFileSync(file, c.yaml);
    const r = await cli(['--config', file, 'attribute', '--period', '2024-09'], c.env);
    expect(r.code).toBe(2);
    const line = r.stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    if (typeof c.error === 'string') expect(line).toBe(`allot: ${c.error.replace('CFG', file)}`);
    else expect(line.replace(file, 'CFG').replace(/^allot: /, '')).toMatch(c.error);
  });

  it('/dev/zero and a FIFO are refused at once by the real binary, naming the file', async () => {
    const zero = await bin(['ingest', 'focus', '/dev/zero']);
    expect(zero.stderr.trim().split('\n').at(-1)).toBe('allot: /dev/zero: not a regular file (a device): save the export to a file and import that');
    expect(zero.code).toBe(1);
    const fifo = f('fifo.csv');
    execFileSync('mkfifo', [fifo]);
    const r = await bin(['ingest', 'focus', fifo]);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`allot: ${fifo}: not a regular file (a pipe): save the export to a file and import that`);
    expect(r.code).toBe(1);
  });
});

describe('odd but valid inputs: imported, and neutralised on the way out', () => {
  it('a BOM, a header alone, a 20 KB cell, control characters and injection payloads', async () => {
    const copy = join(dir, 'accepting.duckdb');
    copyFileSync(db, copy);
    const run = (args: string[]) => cli(['--db', copy, ...args]);
    writeFileSync(f('bom.csv'), `\ufeff${csv(H, row({ service: 'With BOM', start: '2024-09-03T00:00:00Z' }))}`);
    writeFileSync(f('header.csv'), csv(H));
    writeFileSync(f('big.csv'), csv(H, row({ service: 'z'.repeat(20_000), start: '2024-09-04T00:00:00Z' })));
    writeFileSync(
      f('payloads.csv'),
      csv(
        H,
        row({ service: 'Term\u001b]0;pwned\u0007\u001b[31mRED\u009b2J', team: 'bravo', start: '2024-09-05T00:00:00Z', cost: '7.00' }),
        row({ service: "x'); DROP TABLE line_items; --", team: 'bravo', start: '2024-09-06T00:00:00Z', cost: '1.00' }),
        row({ service: '"=HYPERLINK(""http://evil.example"",""x"")"', team: 'bravo', start: '2024-09-07T00:00:00Z', cost: '2.00' }),
        row({ service: '"line\nfeed"', team: 'bravo', start: '2024-09-08T00:00:00Z', cost: '3.00' }),
      ),
    );
    // They add to the month already stored (ok.csv), rather than restate it.
    const r = await run(['ingest', 'focus', '--append', f('bom.csv'), f('header.csv'), f('big.csv'), f('payloads.csv')]);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('allot:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('4 parts, 6 rows, added to what was stored');
    expect(r.stdout).toContain('bom.csv: import #3: 1 row imported');
    expect(r.stdout).toContain('header.csv: import #4: 0 rows imported');
    expect(r.stdout).toContain('payloads.csv: import #6: 4 rows imported');
    expect((await run(['attribute', '--period', '2024-09'])).code).toBe(0);

    // The terminal: no escape sequence from the data gets through, the text still shows.
    const e = await run(['explain', '--period', '2024-09', '--team', 'bravo', '--top', '10']);
    expect(e.code).toBe(0);
    for (const c of ['\u001b', '\u0007', '\u009b']) expect(e.stdout).not.toContain(c);
    expect(e.stdout).toContain('Term\\x1b]0;pwned\\x07\\x1b[31mRED\\x9b2J');
    // The CSV: the formula is guarded, the line feed quoted; a real parser reads the manifest's row count.
    const out = join(dir, 'cb.csv');
    expect((await run(['export', 'chargeback', '--period', '2024-09', '--out', out])).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'cb.manifest.json'), 'utf8')) as { rows: number };
    const records = parse(readFileSync(out, 'utf8'), { record_delimiter: ['\r\n'] }) as string[][];
    expect(records).toHaveLength(manifest.rows + 1);
    const services = records.slice(1).map((x) => x[7]);
    expect(services).toContain('\'=HYPERLINK("http://evil.example","x")');
    expect(services).toContain('line\nfeed');
    // The store: the payload is a value, nothing was executed.
    const store = await Store.open(copy, { readOnly: true });
    try {
      expect(await store.one("SELECT count(*)::INTEGER AS n FROM line_items WHERE service_name LIKE 'x''); DROP TABLE%'")).toEqual({ n: 1 });
    } finally {
      store.close();
    }
  });
});
