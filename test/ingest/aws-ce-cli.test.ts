import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { Store } from '../../src/store/db.ts';
import { awsError, startCostExplorerServer, type CeData, type CeServer } from '../servers/aws-ce.ts';

const MONTH = JSON.parse(readFileSync(new URL('../fixtures/aws-ce/month-2025-01.json', import.meta.url), 'utf8')) as CeData;
const ENV = ['AWS_ENDPOINT_URL_COST_EXPLORER', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED', 'AWS_PROFILE'] as const;

describe('allot ingest aws-ce (CLI)', () => {
  let srv: CeServer;
  let dir: string;
  let saved: Record<string, string | undefined>;
  let out: string[];
  let err: string[];

  beforeEach(async () => {
    saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
    srv = await startCostExplorerServer(structuredClone(MONTH));
    process.env.AWS_ENDPOINT_URL_COST_EXPLORER = srv.url;
    process.env.AWS_ACCESS_KEY_ID = 'AKIDCLI';
    process.env.AWS_SECRET_ACCESS_KEY = 'cli-secret';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    delete process.env.AWS_PROFILE;
    dir = mkdtempSync(join(tmpdir(), 'allot-aws-ce-cli-'));
    writeFileSync(
      join(dir, 'allot.yaml'),
      'team_tag_keys: [team, owner]\nteams:\n  - { id: payments, name: Payments, cost_center: CC-1, gl_account: "1" }\n',
    );
    out = [];
    err = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await srv.close();
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  const allot = (...args: string[]) =>
    main(['node', 'allot', '--config', join(dir, 'allot.yaml'), '--db', join(dir, 'allot.duckdb'), 'ingest', 'aws-ce', ...args]);

  it('imports the month and prints rows, requests and the estimated-days warning', async () => {
    expect(await allot('--period', '2025-01', '--billing-account', '123456789012')).toBe(0);
    const text = out.join('');
    expect(text).toContain('aws-ce:123456789012:2025-01: import #1: 10 rows imported from 2 linked accounts, 2025-01-01 .. 2025-02-01 (exclusive), tag key team');
    expect(text).toContain('Cost Explorer: 3 API requests (~$0.03 at $0.01 each)');
    expect(err.join('')).toContain('warning: 2 days are estimated by AWS and may change');

    const store = await Store.open(join(dir, 'allot.duckdb'));
    try {
      expect(await store.one('SELECT count(*) AS n, min(billing_account_id) AS b FROM line_items')).toEqual({ n: '10', b: '123456789012' });
    } finally {
      store.close();
    }
  });

  it('--all-tag-keys pulls owner too; --json prints the result', async () => {
    expect(await allot('--period', '2025-01', '--all-tag-keys')).toBe(0);
    expect(srv.count('GetCostAndUsage')).toBe(4);
    out = [];
    expect(await main(['node', 'allot', '--json', '--config', join(dir, 'allot.yaml'), '--db', join(dir, 'allot.duckdb'), 'ingest', 'aws-ce', '--period', '2025-01'])).toBe(0);
    const json = JSON.parse(out.join('')) as { replaced: number[]; requests: number; tag_keys: string[] };
    expect(json).toMatchObject({ replaced: [2], requests: 3, tag_keys: ['team'] }); // delivery #2 held import #1
  });

  it('fails with one line and exit 1 when AWS denies access', async () => {
    srv.fault({ op: 'GetDimensionValues', reply: awsError('AccessDeniedException', 'not authorized to perform: ce:GetDimensionValues') });
    expect(await allot('--period', '2025-01')).toBe(1);
    const lines = err.join('').split('\n').filter((l) => l.startsWith('allot:'));
    expect(lines).toEqual([
      'allot: Cost Explorer GetDimensionValues (LINKED_ACCOUNT) was refused: AccessDeniedException: not authorized to perform: ce:GetDimensionValues: ' +
        'the caller needs IAM permission ce:GetDimensionValues (Allot uses ce:GetDimensionValues and ce:GetCostAndUsage); nothing was imported (0 API requests made)',
    ]);
  });

  it('refuses a bad period as a usage error (exit 2)', async () => {
    expect(await allot('--period', 'January')).toBe(2);
    expect(err.join('')).toContain('--period must be YYYY-MM, got "January"');
    expect(srv.count()).toBe(0);
  });
});
