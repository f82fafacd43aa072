// SMTP credentials never cross the network in clear: with smtp.user and no
// `secure`, the server must offer STARTTLS, unless the config says
// allow_insecure_auth: true in so many words. A refused login, or a server
// without STARTTLS, stops the send at once with one message (exit 2), in
// `allot send` and in `allot run` alike.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { smtpTransport } from '../../src/deliver/index.ts';
import { allot } from '../cli/run.ts';
import { buildOrg, orgConfig, orgYaml, PERIOD } from '../render/team.fixture.ts';
import { TestSmtpServer } from '../servers/smtp.ts';

let server: TestSmtpServer; // no STARTTLS, accepts any login
let dir: string;
let db: string;
const env = { SMTP_PASSWORD: 'do-not-send-me-in-clear' };

beforeAll(async () => {
  server = await TestSmtpServer.start();
  dir = mkdtempSync(join(tmpdir(), 'allot-tls-'));
  const org = await buildOrg(orgConfig({ port: server.port, user: true }, env));
  db = org.store.path;
  org.store.close();
});
afterAll(() => server.close());

const config = (yaml: string) => {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return file;
};

describe('SMTP with credentials', () => {
  it('needs TLS unless allow_insecure_auth: true says otherwise', () => {
    const opts = (yaml: string) => (smtpTransport(parseConfig(yaml, 'x.yaml', env).config) as unknown as { options: { requireTLS?: boolean } }).options;
    expect(opts(orgYaml({ port: 587, user: true, requireTls: true })).requireTLS).toBe(true);
    expect(opts(orgYaml({ port: 587, user: true })).requireTLS).toBe(false); // the fixture says allow_insecure_auth: true
    expect(opts(orgYaml({ port: 465, user: true, requireTls: true }).replace('port: 465', 'port: 465\n  secure: true')).requireTLS).toBe(false); // TLS from the start
    expect(opts(orgYaml({ port: 25 })).requireTLS).toBeUndefined(); // no login, nothing to protect
  });

  it('allot send against a server without STARTTLS: exit 2, one message, and the password never went out', async () => {
    const cfg = config(orgYaml({ port: server.port, user: true, requireTls: true }));
    const r = await allot(['--config', cfg, '--db', db, 'send', '--period', PERIOD], { env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'allot: the SMTP server 127.0.0.1 offers no STARTTLS, so the login as "allot" would cross the network in clear ' +
        '(500 Error: command not recognized): use secure: true (TLS from the start, usually port 465), ' +
        'a server with STARTTLS, or say allow_insecure_auth: true in the smtp section',
    );
    expect(server.auths).toEqual([]);
    expect(server.messages).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain(env.SMTP_PASSWORD);
  });

  it('allot run: a refused login (535) stops the run at once with exit 2, not "0 sent, 3 refused"', async () => {
    const refusing = await TestSmtpServer.start({ auth: { code: 535, message: '5.7.8 Authentication credentials invalid' } });
    try {
      const cfg = config(orgYaml({ port: refusing.port, user: true }));
      const r = await allot(['--config', cfg, '--db', db, 'run', '--period', PERIOD, '--no-pull', '--artefacts', join(dir, 'runs')], { env });
      expect(r.stderr).toContain('allot: the SMTP server 127.0.0.1 refused the login as "allot": 535 5.7.8 Authentication credentials invalid (check smtp.user and the password)');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(refusing.auths).toEqual([{ user: 'allot', pass: env.SMTP_PASSWORD }]); // tried once, not once per team
      expect(refusing.messages).toEqual([]);
    } finally {
      await refusing.close();
    }
  });

  it('port: ${SMTP_PORT} loads, and the mail goes to that port', async () => {
    const open = await TestSmtpServer.start();
    try {
      const cfg = config(orgYaml({ port: 1 }).replace('port: 1', 'port: ${SMTP_PORT}'));
      const r = await allot(['--config', cfg, '--db', db, 'send', '--period', PERIOD, '--team', 'zebra', '--resend'], { env: { SMTP_PORT: String(open.port) } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(open.messages.map((m) => m.to)).toEqual([['zebra-leads@example.com']]);
    } finally {
      await open.close();
    }
  });
});
