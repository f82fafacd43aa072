import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { Store } from '../../src/store/db.ts';
import { allot } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'allot-cli-'));
const db = join(dir, 'allot.duckdb');
const good = join(dir, 'good.yaml');
writeFileSync(good, 'teams:\n  - { id: alpha, name: Alpha, cost_center: CC-A, gl_account: "6100" }\n');

describe('CLI conventions', () => {
  it('--help works on every command and exits 0', async () => {
    const top = await allot(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['init', 'ingest', 'attribute', 'export', 'close', 'reopen', 'report', 'explain', 'status']) {
      expect(top.stdout).toContain(cmd);
      const r = await allot([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/^Usage: allot /);
    }
  });

  it('bad usage exits 2 with one line', async () => {
    const r = await allot(['--db', db, '--config', good, 'attribute']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--period <YYYY-MM>' not specified");
  });

  it('an invalid config exits 2 naming file, line and key, with no stack trace, and leaves the store unchanged', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'teams:\n  - id: alpha\n    name: Alpha\n    cost_centre: CC-A\n    gl_account: "6100"\n');
    const before = existsSync(db) ? statSync(db).mtimeMs : 0;
    const r = await allot(['--db', db, '--config', bad, 'attribute', '--period', '2026-10']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`allot: ${bad}:4: teams[0].cost_centre: unknown key "cost_centre"`);
    expect(existsSync(db) ? statSync(db).mtimeMs : 0).toBe(before);
  });

  it('a missing environment variable in the config is a config error at its line', async () => {
    const cfg = join(dir, 'env.yaml');
    writeFileSync(cfg, 'teams:\n  - { id: alpha, name: Alpha, cost_center: "${ALLOT_TEST_CC}", gl_account: "6100" }\n');
    const r = await allot(['--db', db, '--config', cfg, 'attribute', '--period', '2026-10']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}:2: teams[0].cost_center: environment variable ALLOT_TEST_CC is not set`);
    if (!existsSync(db)) (await Store.open(db)).close();
    const ok = await allot(['--db', db, '--config', cfg, '--json', 'attribute', '--period', '2026-10'], { env: { ALLOT_TEST_CC: 'CC-X' } });
    // The config is fine now; the store simply has no data for the period (a failure, exit 1).
    expect(ok.code).toBe(1);
    expect(ok.stderr.trim()).toBe('allot: no line items for period 2026-10: import billing data first (allot ingest focus FILE)');
  });

  it('init writes a starter config that validates, and refuses to overwrite', async () => {
    const cfg = join(dir, 'init', 'allot.yaml');
    expect((await allot(['--config', cfg, 'init'])).code).toBe(0);
    const text = readFileSync(cfg, 'utf8');
    expect(text).toContain('team_tag_keys');
    // Commented smtp: and schedule: sections that load once uncommented, ${SMTP_PORT} included.
    expect(text).toMatch(/^# smtp:$/m);
    expect(text).toMatch(/^# schedule:$/m);
    // Only those two blocks (each runs to the next blank line); other commented examples stay comments.
    let block = false;
    const uncommented = text.split('\n').map((line) => {
      if (/^# (smtp|schedule):$/.test(line)) block = true;
      else if (line.trim() === '') block = false;
      return block ? line.replace(/^# (smtp:|schedule:)$/, '$1').replace(/^# {3}(?=\S)/, '  ').replace(/^# {5}(?=\S)/, '    ').replace(/^# {7}(?=- )/, '      ') : line;
    }).join('\n').replace('port: 587 ', 'port: ${SMTP_PORT} ');
    const loaded = parseConfig(uncommented, cfg, { SMTP_PASSWORD: 'x', SMTP_PORT: '465' }).config;
    expect(loaded.smtp).toMatchObject({ host: 'smtp.example.com', port: 465, user: 'allot@example.com', allow_insecure_auth: false });
    expect(Object.keys(loaded.schedule ?? {}).sort()).toEqual(['alerts', 'billing_pulls', 'collect_k8s', 'freshness', 'monthly', 'timezone']);
    const again = await allot(['--config', cfg, 'init']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists; use --force');
    // A command that only reads refuses a store file that is not there (a mistyped --db) and creates none.
    const missing = join(dir, 'init.duckdb');
    const none = await allot(['--config', cfg, '--db', missing, '--json', 'status']);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe(`allot: no store at ${missing}: check --db (or ALLOT_DB); "allot ingest", "allot collect" and "allot demo" create one`);
    expect(existsSync(missing)).toBe(false);
    (await Store.open(missing)).close(); // an empty store
    const st = await allot(['--config', cfg, '--db', missing, '--json', 'status']);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ schema_version: expect.any(Number), periods: [], runs: [] });
  });
});
