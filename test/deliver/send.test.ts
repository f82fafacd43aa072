import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.ts';
import { assertDelivered, DeliveryError, readSendLog, sendReports, writeTeamEmails, type MailTransport, type SendOptions } from '../../src/deliver/index.ts';
import { startSend } from '../../src/deliver/send-log.ts';
import { chargebackRows } from '../../src/model/chargeback.ts';
import { renderChargebackCsv } from '../../src/render/chargeback-csv.ts';
import { formatMoney } from '../../src/render/team/format.ts';
import { AllotError } from '../../src/util/errors.ts';
import { buildOrg, HOSTILE_SERVICE, orgConfig, PERIOD, SCRIPT_SERVICE, type Org } from '../render/team.fixture.ts';
import { TestSmtpServer } from '../servers/smtp.ts';

// Real SMTP on 127.0.0.1 (smtp-server), real nodemailer, messages parsed back
// with mailparser. Backoff is injected: no test waits for real.

const PASSWORD = 's3cret-from-env';
let server: TestSmtpServer;
let org: Org;
let loaded: LoadedConfig;

beforeAll(async () => {
  server = await TestSmtpServer.start();
  loaded = orgConfig({ port: server.port, user: true }, { SMTP_PASSWORD: PASSWORD });
  org = await buildOrg(loaded);
});
afterAll(async () => {
  org.store.close();
  await server.close();
});
beforeEach(async () => {
  server.setScript({});
  server.reset();
  await org.store.run('DELETE FROM send_log');
});

const sleeps: number[] = [];
afterEach(() => {
  sleeps.length = 0;
});
const fast: Partial<SendOptions> = { retryDelaysMs: [5, 10], sleep: async (ms) => void sleeps.push(ms) };
const send = (o: Partial<SendOptions> = {}) => sendReports(org.store, loaded.config, { period: PERIOD, ...fast, ...o });

const parseRaw = (raw: Buffer): Promise<ParsedMail> => simpleParser(raw, { keepCidLinks: true });
const messageFor = (addr: string) => server.messages.find((m) => m.to.includes(addr));

/** The team's rows of the chargeback CSV (formula-safe cells), as finance imports them. */
async function csvRows(team: string): Promise<{ service: string; charge_type: string; amount: string }[]> {
  const csv = renderChargebackCsv(await chargebackRows(org.store, org.runs.current));
  return (parse(csv, { columns: true }) as { team_id: string; service: string; charge_type: string; amount: string }[]).filter((r) => r.team_id === team);
}

describe('allot send over SMTP', () => {
  it('mails each team with emails its report; the log records every send', async () => {
    const result = await send();
    expect(result.outcomes.map((o) => [o.team_id, o.status])).toEqual([
      ['payments', 'sent'], ['zebra', 'sent'], ['hostile', 'sent'], ['quokka', 'skipped'],
    ]);
    expect(result.outcomes.find((o) => o.team_id === 'quokka')?.note).toContain('no emails');
    expect(result.failures).toEqual([]);
    expect(() => assertDelivered(result)).not.toThrow();

    // The password came from ${SMTP_PASSWORD} through the config loader.
    expect(server.auths).toContainEqual({ user: 'allot', pass: PASSWORD });
    expect(server.messages).toHaveLength(3);
    const pay = messageFor('pay-leads@example.com')!;
    expect(pay.to).toEqual(['pay-leads@example.com', 'pay-fin@example.com']);
    expect(pay.from).toBe('allot@example.com');

    const log = await readSendLog(org.store, PERIOD);
    expect(log.map((l) => [l.team_id, l.status, l.attempts, l.message_id, l.recipients])).toEqual([
      ['payments', 'sent', 1, `<allot.${PERIOD}.payments.run${org.runs.current}@allot.local>`, 'pay-leads@example.com, pay-fin@example.com'],
      ['zebra', 'sent', 1, `<allot.${PERIOD}.zebra.run${org.runs.current}@allot.local>`, 'zebra-leads@example.com'],
      ['hostile', 'sent', 1, `<allot.${PERIOD}.hostile.run${org.runs.current}@allot.local>`, 'hostile@example.com'],
    ]);
    expect(log.every((l) => /^250 /.test(l.response ?? '') && l.sent_at !== null)).toBe(true);
  });

  it('the email: subject, both parts, inline cid charts, CSV amounts, nothing of other teams', async () => {
    await send({ team: 'payments' });
    const raw = server.messages[0]!.raw;
    const mail = await parseRaw(raw);
    expect(mail.subject).toBe('[Allot] Payments — cloud cost for October 2026: $2,100.96 (+14.2%)');
    expect(mail.messageId).toBe(`<allot.${PERIOD}.payments.run${org.runs.current}@allot.local>`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect((mail.replyTo?.value ?? []).map((a) => a.address)).toEqual(['finops@example.com']);
    const html = String(mail.html);
    const text = mail.text ?? '';
    expect(Buffer.byteLength(html)).toBeLessThan(100_000);
    expect(text).toContain('Total: $2,100.96');

    // Three PNGs, inline, each referenced from the HTML by its Content-ID.
    const images = mail.attachments.filter((a) => a.contentType === 'image/png');
    expect(images).toHaveLength(3);
    for (const img of images) {
      expect(img.contentDisposition).toBe('inline');
      expect(img.related).toBe(true);
      expect(html).toContain(`src="cid:${img.cid}"`);
      expect(img.size).toBeLessThan(40_000);
    }
    expect([...html.matchAll(/<img src="cid:([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(images.map((i) => i.cid).sort());

    // Every chargeback CSV row of the team, with its amount, in both parts.
    const rows = await csvRows('payments');
    expect(rows).toHaveLength(8);
    for (const row of rows) {
      const amount = formatMoney(row.amount, 'USD', 2);
      const line = text.split('\n').find((l) => l.startsWith(`${row.service} `) && l.includes(` ${row.charge_type} `));
      expect(line, row.service).toContain(amount);
      expect(html).toContain(`>${amount}<`);
    }

    // No other team's name, id, address or amount anywhere, raw or decoded.
    const everything = [raw.toString('latin1'), html, text, mail.subject ?? ''].join('\n');
    const mine = new Set(rows.map((r) => formatMoney(r.amount, 'USD', 2)));
    for (const other of loaded.config.teams.filter((t) => t.id !== 'payments')) {
      for (const s of [other.name, `X-Allot-Team: ${other.id}`, `${other.id}-`, ...other.emails]) expect(everything).not.toContain(s);
      expect(html + text).not.toMatch(new RegExp(`\\b${other.id}\\b`, 'i'));
      for (const r of await csvRows(other.id)) {
        const a = formatMoney(r.amount, 'USD', 2);
        if (!mine.has(a)) expect(html + text, `${other.id} ${a}`).not.toMatch(new RegExp(`(^|[\\s>(])${a.replace(/[$.]/g, '\\$&')}([\\s<)]|$)`, 'm'));
      }
    }
    // The hostile labels in payments' own bill: escaped, formula-safe.
    expect(html).not.toContain(SCRIPT_SERVICE);
    expect(html).toContain('&lt;script&gt;alert(&quot;svc&quot;)&lt;/script&gt;');
    expect(text).toContain(`'${HOSTILE_SERVICE}`);
  });

  it('a hostile team name is escaped in the HTML part', async () => {
    await send({ team: 'hostile' });
    const mail = await parseRaw(server.messages[0]!.raw);
    const html = String(mail.html);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &#x3D;HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)');
    expect(html).not.toContain('=HYPERLINK(');
    expect(mail.subject).toContain('<script>alert(1)</script>'); // a header is text, shown as such
  });

  it('a re-run sends nothing already sent; --resend sends again with a new Message-ID', async () => {
    await send();
    expect(server.messages).toHaveLength(3);
    const again = await send();
    expect(again.outcomes.filter((o) => o.status === 'sent')).toEqual([]);
    expect(again.outcomes.find((o) => o.team_id === 'payments')?.note).toMatch(/^already sent .* --resend sends it again$/);
    expect(server.messages).toHaveLength(3);

    const resent = await send({ team: 'zebra', resend: true });
    expect(resent.outcomes.map((o) => o.status)).toEqual(['sent']);
    expect(server.messages).toHaveLength(4);
    const mail = await parseRaw(server.messages[3]!.raw);
    expect(mail.messageId).toBe(`<allot.${PERIOD}.zebra.run${org.runs.current}.resend1@allot.local>`);
    const log = await readSendLog(org.store, PERIOD, 'zebra');
    expect(log.map((l) => [l.status, l.resend])).toEqual([['sent', false], ['sent', true]]);
  });

  it('451 then 250: retried with backoff, delivered once, attempts = 2', async () => {
    server.setScript({ rcpt: [451] });
    const result = await send({ team: 'zebra' });
    expect(result.outcomes[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(server.messages).toHaveLength(1);
    expect(server.commands.filter((c) => c.command === 'RCPT').map((c) => c.code)).toEqual([451, 250]);
    expect(sleeps).toEqual([5]);
    const [log] = await readSendLog(org.store, PERIOD, 'zebra');
    expect(log).toMatchObject({ status: 'sent', attempts: 2 });
    expect(log!.response).toMatch(/^250 /);
  });

  it('550: recorded as failed with the reply, no retry, and the command fails listing it', async () => {
    server.setScript({ rcpt: [{ code: 550, message: '5.1.1 <zebra-leads@example.com>: Recipient address rejected' }] });
    const result = await send({ team: 'zebra' });
    expect(server.rcptCount()).toBe(1);
    expect(server.messages).toHaveLength(0);
    expect(sleeps).toEqual([]);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', attempts: 1 });
    const [log] = await readSendLog(org.store, PERIOD, 'zebra');
    expect(log).toMatchObject({ status: 'failed', attempts: 1, error_code: 'EENVELOPE' });
    expect(log!.response).toBe('550 5.1.1 <zebra-leads@example.com>: Recipient address rejected');
    let err: unknown;
    try {
      assertDelivered(result);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toBeInstanceOf(AllotError);
    expect((err as Error).message).toContain('zebra: 550 5.1.1');
    // The next run tries the failed one again.
    server.setScript({});
    const retry = await send({ team: 'zebra' });
    expect(retry.outcomes[0]).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('one recipient refused, the other accepted: sent, the refusal recorded and reported', async () => {
    server.setScript({ rejectAddress: (a) => (a === 'pay-fin@example.com' ? 550 : undefined) });
    const result = await send({ team: 'payments' });
    expect(result.outcomes[0]).toMatchObject({ status: 'sent', attempts: 1, rejected: ['pay-fin@example.com'] });
    expect(server.messages.map((m) => m.to)).toEqual([['pay-leads@example.com']]);
    const [log] = await readSendLog(org.store, PERIOD, 'payments');
    expect(log).toMatchObject({ status: 'sent', rejected: 'pay-fin@example.com' });
    expect(() => assertDelivered(result)).toThrow(/payments: refused pay-fin@example.com .*--resend --team/);
  });

  it('a server that dies after the 2nd of 3 teams: a re-run sends only the rest', async () => {
    server.setScript({ crashAfter: 2 });
    const first = await send();
    expect(first.outcomes.map((o) => [o.team_id, o.status])).toEqual([
      ['payments', 'sent'], ['zebra', 'sent'], ['hostile', 'failed'], ['quokka', 'skipped'],
    ]);
    // A lost connection is transient: three attempts, with backoff.
    expect(first.outcomes[2]!.attempts).toBe(3);
    expect(sleeps).toEqual([5, 10]);
    expect(() => assertDelivered(first)).toThrow(/hostile/);
    expect(server.messages).toHaveLength(2);

    server.setScript({});
    const second = await send();
    expect(second.outcomes.map((o) => [o.team_id, o.status])).toEqual([
      ['payments', 'skipped'], ['zebra', 'skipped'], ['hostile', 'sent'], ['quokka', 'skipped'],
    ]);
    expect(server.messages.map((m) => m.to[0])).toEqual(['pay-leads@example.com', 'zebra-leads@example.com', 'hostile@example.com']);
    const log = await readSendLog(org.store, PERIOD);
    expect(log.map((l) => [l.team_id, l.status])).toEqual([
      ['payments', 'sent'], ['zebra', 'sent'], ['hostile', 'failed'], ['hostile', 'sent'],
    ]);
  });

  it('a process killed mid-send left a "sending" row: sent again with the same Message-ID', async () => {
    const messageId = `<allot.${PERIOD}.zebra.run${org.runs.current}@allot.local>`;
    await startSend(org.store, { period: PERIOD, team_id: 'zebra', run_id: org.runs.current, recipients: ['zebra-leads@example.com'], message_id: messageId, subject: 's', resend: false }, new Date());
    const result = await send({ team: 'zebra' });
    expect(result.outcomes[0]).toMatchObject({ status: 'sent', message_id: messageId });
    expect(result.outcomes[0]!.note).toContain('interrupted');
    expect((await parseRaw(server.messages[0]!.raw)).messageId).toBe(messageId);
    const log = await readSendLog(org.store, PERIOD, 'zebra');
    expect(log.map((l) => l.status)).toEqual(['failed', 'sent']);
    expect(log[0]!.response).toContain('interrupted');
  });

  it('a transport that throws after the 2nd team: the log keeps the two, a re-run sends the third', async () => {
    const real = nodemailer.createTransport({ host: '127.0.0.1', port: server.port, secure: false, ignoreTLS: true });
    let calls = 0;
    const flaky: MailTransport = {
      sendMail: async (m) => {
        calls += 1;
        if (calls > 2) throw new Error('transport exploded');
        return real.sendMail(m);
      },
    };
    const first = await send({ transport: flaky });
    expect(first.outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'failed', 'skipped']);
    expect(first.outcomes[2]!.response).toBe('transport exploded');
    const second = await send();
    expect(second.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped', 'sent', 'skipped']);
    expect(server.messages.map((m) => m.to[0])).toEqual(['pay-leads@example.com', 'zebra-leads@example.com', 'hostile@example.com']);
    real.close();
  });

  it('--dry-run writes one .eml per team, parseable, and touches neither server nor log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'allot-dry-'));
    const result = await send({ dryRunDir: dir });
    expect(result.dry_run).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['hostile.eml', 'payments.eml', 'zebra.eml']);
    expect(server.messages).toHaveLength(0);
    expect(await readSendLog(org.store, PERIOD)).toEqual([]);
    const mail = await parseRaw(readFileSync(join(dir, 'payments.eml')));
    expect(mail.subject).toContain('Payments');
    expect((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((t) => t?.value ?? []).map((a) => a.address)).toEqual(['pay-leads@example.com', 'pay-fin@example.com']);
    expect(mail.attachments.filter((a) => a.contentDisposition === 'inline' && a.cid)).toHaveLength(3);
  });

  it('writeTeamEmails writes <team>.eml and <team>.html for every team', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'allot-emails-'));
    const files = await writeTeamEmails(org.store, loaded.config, PERIOD, dir);
    expect(files.map((f) => f.team_id)).toEqual(['payments', 'zebra', 'hostile', 'quokka']);
    for (const f of files) {
      const mail = await parseRaw(readFileSync(f.eml));
      const images = mail.attachments.filter((a) => a.contentType === 'image/png');
      expect(images).toHaveLength(3);
      expect([...String(mail.html).matchAll(/<img src="cid:([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(images.map((i) => i.cid).sort());
      expect(readFileSync(f.html, 'utf8')).toContain(`src="${f.team_id}-daily.png"`);
    }
    const payments = await parseRaw(readFileSync(files[0]!.eml));
    expect(payments.subject).toBe('[Allot] Payments — cloud cost for October 2026: $2,100.96 (+14.2%)');
    expect(payments.text).toContain('Total: $2,100.96');
    expect(await readSendLog(org.store, PERIOD)).toEqual([]);
  });

  it('without an smtp section a real send is refused; a dry run still works', async () => {
    const noSmtp = orgConfig();
    await expect(sendReports(org.store, noSmtp.config, { period: PERIOD, team: 'zebra' })).rejects.toThrow(/no smtp section/);
    const dir = mkdtempSync(join(tmpdir(), 'allot-dry-'));
    const r = await sendReports(org.store, noSmtp.config, { period: PERIOD, team: 'zebra', dryRunDir: dir });
    expect(r.outcomes[0]!.status).toBe('written');
  });
});
