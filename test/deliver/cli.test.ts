import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allot } from '../cli/run.ts';
import { buildOrg, orgConfig, orgYaml, PERIOD } from '../render/team.fixture.ts';
import { TestSmtpServer } from '../servers/smtp.ts';

// The real binary against a real local SMTP server.
let server: TestSmtpServer;
let dir: string;
let db: string;
let cfg: string;
const env = { SMTP_PASSWORD: 'pw-from-env' };

beforeAll(async () => {
  server = await TestSmtpServer.start();
  dir = mkdtempSync(join(tmpdir(), 'allot-send-cli-'));
  cfg = join(dir, 'allot.yaml');
  writeFileSync(cfg, orgYaml({ port: server.port, user: true }));
  const org = await buildOrg(orgConfig({ port: server.port, user: true }, env));
  db = org.store.path;
  org.store.close();
});
afterAll(() => server.close());

const run = (...args: string[]) => allot(['--config', cfg, '--db', db, ...args], { env });

describe('allot send', () => {
  it('--dry-run needs --out; --dry-run --out writes .eml files and sends nothing', async () => {
    const bad = await run('send', '--period', PERIOD, '--dry-run');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dry-run needs --out DIR');
    const out = join(dir, 'eml');
    const r = await run('send', '--period', PERIOD, '--dry-run', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('dry run: 3 written, 1 skipped');
    expect(readdirSync(out).sort()).toEqual(['hostile.eml', 'payments.eml', 'zebra.eml']);
    expect((await simpleParser(readFileSync(join(out, 'zebra.eml')))).subject).toContain('Zebracorn Analytics');
    expect(server.messages).toHaveLength(0);
  });

  it('sends; a refused recipient makes it exit 1, listing the failure', async () => {
    const r = await run('send', '--period', PERIOD, '--team', 'payments');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/sent {5}payments → pay-leads@example.com, pay-fin@example.com: 250 Queued as 1 \(1 attempt, <allot\.2026-10\.payments\.run\d+@allot\.local>\)/);
    expect(server.auths[0]).toEqual({ user: 'allot', pass: 'pw-from-env' });

    server.setScript({ rcpt: [550] });
    const failed = await run('send', '--period', PERIOD, '--team', 'zebra');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('FAILED   zebra → zebra-leads@example.com: 550 Mailbox unavailable (1 attempt)');
    expect(failed.stderr).toContain('allot: 1 team report was not delivered for 2026-10: zebra: 550 Mailbox unavailable (after 1 attempt)');
    expect(server.messages).toHaveLength(1);
  });
});

describe('allot report showback', () => {
  it('writes <team>.html, <team>.txt and PNGs per team', async () => {
    const out = join(dir, 'showback');
    const r = await run('report', 'showback', '--period', PERIOD, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Wrote 4 team reports with 12 charts.');
    const files = readdirSync(out);
    for (const t of ['payments', 'zebra', 'hostile', 'quokka']) {
      expect(files).toEqual(expect.arrayContaining([`${t}.html`, `${t}.txt`, `${t}-daily.png`, `${t}-types.png`, `${t}-trend.png`]));
    }
    expect(readFileSync(join(out, 'payments.txt'), 'utf8')).toContain('Total: $2,100.96');
  });
});
