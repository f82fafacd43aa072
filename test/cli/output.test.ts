// What the CLI writes to a terminal or a pipe: control characters from
// billing data are shown, never interpreted; a reader that stops early
// (`allot jobs | head -1`) ends nothing with a stack trace.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonSafe, terminalSafe } from '../../src/cli/format.ts';
import { snakeKeys } from '../../src/util/json.ts';
import { oneLine } from '../../src/util/errors.ts';
import { SHARED_REDIS, uniquePrefix } from '../jobs/helpers.ts';
import { allot as cli } from './run.ts';

const BIN = fileURLToPath(new URL('../../bin/allot.mjs', import.meta.url));

describe('terminalSafe', () => {
  it.each([
    ['plain text and ümlauts', 'Café 10.00 €', 'Café 10.00 €'],
    ['tab and line feed stay', 'a\tb\nc', 'a\tb\nc'],
    ['OSC title and SGR colour', 'pay\u001b]0;pwned\u0007\u001b[31mments', 'pay\\x1b]0;pwned\\x07\\x1b[31mments'],
    ['carriage return cannot overwrite the line', 'ok\rFAKE', 'ok\\x0dFAKE'],
    ['DEL and an 8-bit CSI', 'x\u007fy\u009b2J', 'x\\x7fy\\x9b2J'],
    ['bidi override', 'team\u202egnp.exe', 'team\\u202egnp.exe'],
  ])('%s', (_name, input, shown) => {
    expect(terminalSafe(input)).toBe(shown);
  });

  it('jsonSafe escapes what JSON.stringify leaves raw, and parses back to the same value', () => {
    const value = { tag: 'a\u001b[31m\u009b\u202eb' };
    const text = jsonSafe(JSON.stringify(value));
    expect(text).toBe('{"tag":"a\\u001b[31m\\u009b\\u202eb"}');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('oneLine drops DuckDB\'s SQL excerpt and hints and cuts a quoted row', () => {
    const msg = `Conversion Error: Could not convert string '${'x'.repeat(10_000)}' to INT32\n\nLINE 1: SELECT ...\n        ^`;
    const line = oneLine(msg);
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^Conversion Error: Could not convert string 'x{250,}… \(9\d{3} more characters\)$/);
  });
});

describe('a reader that closes the pipe early', () => {
  const env = { ...process.env, CI: 'true', REDIS_URL: SHARED_REDIS, ALLOT_QUEUE_PREFIX: uniquePrefix('epipe') };

  it('allot jobs | head -1 exits 0 with no stack trace', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${BIN}" jobs | head -1`], { env }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
      );
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^queue +waiting +active +delayed/);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(0);
  });

  it('a pipe closed before the first line is written: exit 0, nothing on stderr', async () => {
    // `allot jobs | true`: the reader is gone before allot writes, so every write gets EPIPE.
    const child = spawn(process.execPath, [BIN, 'jobs'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('SDK noise', () => {
  it('the AWS SDK\'s Node-version notice never reaches stderr: a failed pull is one line', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'allot-noise-'));
    writeFileSync(join(dir, 'allot.yaml'), 'teams:\n  - { id: a, name: A, cost_center: C, gl_account: "1" }\n');
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, '--config', join(dir, 'allot.yaml'), '--db', join(dir, 'allot.duckdb'), 'ingest', 'aws-ce', '--period', '2026-10'], {
        env: {
          ...process.env, CI: 'true', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1',
          AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL_COST_EXPLORER: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1',
        },
      }, (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^allot: Cost Explorer GetDimensionValues \(LINKED_ACCOUNT\) failed: ECONNREFUSED[^\n]*\n$/);
  }, 60_000);
});


describe('--json speaks snake_case', () => {
  it('turns every field name into snake_case, keeping the keys of data maps', () => {
    expect(
      snakeKeys({ runId: 7, lineItems: 3, tieout: { billing_period: '2026-10', lines: [{ storedRounded: '1.00' }] }, tags: { costCenter: 'x' }, teams: [{ team_id: 'a', allocatedPercent: '1' }] }),
    ).toEqual({ run_id: 7, line_items: 3, tieout: { billing_period: '2026-10', lines: [{ stored_rounded: '1.00' }] }, tags: { costCenter: 'x' }, teams: [{ team_id: 'a', allocated_percent: '1' }] });
  });

  it('the attribution, an import and the status print no camelCase field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'allot-json-'));
    const db = join(dir, 'a.duckdb');
    const cfg = join(dir, 'a.yaml');
    writeFileSync(cfg, 'teams:\n  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100" }\n');
    const csv = join(dir, 'f.csv');
    writeFileSync(
      csv,
      'BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,BilledCost,EffectiveCost,ListCost,ServiceName,Tags\n' +
        'A,USD,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,2026-10-02T00:00:00Z,2026-10-03T00:00:00Z,Usage,1.00,1.00,1.00,Compute,"{""team"": ""alpha""}"\n',
    );
    const camel = (v: unknown): string[] =>
      Array.isArray(v) ? v.flatMap(camel) : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [...(/[A-Z]/.test(k) ? [k] : []), ...camel(x)]) : [];
    for (const args of [['ingest', 'focus', csv], ['attribute', '--period', '2026-10'], ['status']]) {
      const r = await cli(['--db', db, '--config', cfg, '--json', ...args]);
      expect(r.code, r.stderr).toBe(0);
      expect(camel(JSON.parse(r.stdout)), args.join(' ')).toEqual([]);
    }
  });
});
