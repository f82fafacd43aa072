// Every failure visible, retries bounded, with real Redis, a local SMTP server
// and the real CLI: `allot jobs --retry-failed` makes exactly one attempt per
// failed job per call; a 550 makes `allot run` (in process and through the
// workers) exit non-zero and shows in `allot jobs`, `allot sends` and the
// metrics; `allot jobs` says why a job is delayed; an error no retry can fix
// fails its job at once.
import { KubeConfig } from '@kubernetes/client-node';
import { FlowProducer, QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import { enqueueMonthly } from '../../jobs/monthly/flow.ts';
import { jobOptions } from '../../jobs/queues.ts';
import type { JobsRuntime } from '../../jobs/runtime.ts';
import { monthlySpec } from '../../jobs/spec.ts';
import { startWorker, type RunningWorker } from '../../jobs/worker.ts';
import { allot } from '../cli/run.ts';
import { startCostExplorerServer } from '../servers/aws-ce.ts';
import { TestSmtpServer } from '../servers/smtp.ts';
import { orgFiles, PERIOD, runtimeOn, SHARED_REDIS, transportTo, uniquePrefix, type OrgFiles } from './helpers.ts';

interface Harness {
  smtp: TestSmtpServer;
  org: OrgFiles;
  rt: JobsRuntime;
  worker: RunningWorker;
  events: QueueEvents;
  env: NodeJS.ProcessEnv;
  cli: (args: string[]) => ReturnType<typeof allot>;
}
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function harness(name: string, o: { sendAttempts?: number; sendDelayMs?: number; queue?: 'deliver' | 'store' } = {}): Promise<Harness> {
  const smtp = await TestSmtpServer.start();
  closers.push(() => smtp.close());
  const org = await orgFiles(smtp.port);
  const rt = runtimeOn(SHARED_REDIS, uniquePrefix(name));
  closers.push(() => rt.close());
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'prod', cluster: 'c', user: 'u' }], currentContext: 'prod' });
  const worker = await startWorker({
    redis: rt.redis, prefix: rt.prefix, log: silentLogger, loaded: org.loaded, dbPath: org.dbPath, artefactsDir: org.artefactsDir,
    concurrency: 3, transport: transportTo(smtp.port), kubeConfig: () => kc,
    policies: { send: { attempts: o.sendAttempts ?? 2, delayMs: o.sendDelayMs ?? 20 } },
  });
  closers.push(() => worker.close());
  const conn = rt.redis.duplicate();
  const events = new QueueEvents(o.queue ?? 'deliver', { connection: conn, prefix: rt.prefix });
  await events.waitUntilReady();
  closers.push(async () => {
    await events.close();
    conn.disconnect();
  });
  const env = { REDIS_URL: SHARED_REDIS, ALLOT_QUEUE_PREFIX: rt.prefix };
  return { smtp, org, rt, worker, events, env, cli: (args) => allot(['--config', org.configFile, '--db', org.dbPath, ...args], { env }) };
}

const failedFor = (events: QueueEvents, id: string) =>
  new Promise<string>((resolve) => {
    const on = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
      if (jobId !== id) return;
      events.off('failed', on);
      resolve(failedReason);
    };
    events.on('failed', on);
  });

const rcpts = (smtp: TestSmtpServer, prefix: string) => smtp.commands.filter((c) => c.command === 'RCPT' && c.arg.startsWith(prefix)).length;

describe('allot jobs --retry-failed', () => {
  it('makes exactly one attempt per failed job per call, and says so', async () => {
    const h = await harness('retry', { sendAttempts: 2 });
    h.smtp.setScript({ rejectAddress: (a) => (a.startsWith('zebra') ? { code: 451, message: 'Greylisted, try later' } : undefined) });
    const spec = monthlySpec(h.org.loaded.config, PERIOD, { close: false });
    const producer = new FlowProducer({ connection: h.rt.redis, prefix: h.rt.prefix });
    closers.push(() => producer.close());
    const sendZebra = `monthly-${PERIOD}-send-zebra`;
    let failed = failedFor(h.events, sendZebra);
    await enqueueMonthly({ queues: h.rt.queues, producer, policies: { send: { attempts: 2, delayMs: 20 } } }, spec);
    expect(await failed).toMatch(/451 Greylisted/);
    expect(rcpts(h.smtp, 'zebra')).toBe(2); // its two attempts

    for (const call of [1, 2, 3]) {
      failed = failedFor(h.events, sendZebra);
      const r = await h.cli(['jobs', '--retry-failed']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Retried 1 failed job, one attempt each:');
      expect(r.stdout).toContain(`deliver/${sendZebra} (send)`);
      expect(await failed).toMatch(/451 Greylisted/);
      expect(rcpts(h.smtp, 'zebra')).toBe(2 + call); // one more SMTP attempt per call, never more
    }
    const j = await h.cli(['--json', 'jobs']);
    const report = JSON.parse(j.stdout) as { failed: { id: string; attempts_made: number }[]; runs: { key: string; steps: { step: string; state: string; detail: string }[] }[] };
    expect(report.failed).toEqual([expect.objectContaining({ id: sendZebra, attempts_made: 5 })]);
    // The run's view: the failed send, with its reason; the finish waits for it.
    const run = report.runs.find((x) => x.key === spec.key)!;
    expect(run.steps.find((s) => s.step === sendZebra)).toMatchObject({ state: 'failed', detail: expect.stringMatching(/^after 5 attempts: team zebra: 451 Greylisted/) });
    expect(run.steps.find((s) => s.step === `monthly-${PERIOD}-finish`)).toMatchObject({ state: 'waiting for its steps' });
  }, 60_000);

  it('a malformed export (Cost Explorer answers with what it never sends) fails its billing pull at once, with its reason in allot jobs', async () => {
    const ce = await startCostExplorerServer({ accounts: [{ id: '111111111111' }], costs: [] });
    closers.push(() => ce.close());
    ce.fault({ op: 'GetDimensionValues', times: Infinity, reply: { body: { DimensionValues: 'not a list' } } });
    const h = await harness('malformed', { queue: 'store' });
    process.env.AWS_ACCESS_KEY_ID ??= 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret';
    const failed = failedFor(h.events, 'pull-bad');
    await h.rt.queues.get('store').add(
      'billing-pull',
      { periods: [PERIOD], sources: [{ id: 'aws-ce', type: 'aws-ce', endpoint: ce.url }] },
      { ...jobOptions('billing-pull'), jobId: 'pull-bad' },
    );
    expect(await failed).toMatch(/malformed response from AWS: DimensionValues is not a list/);
    const job = await h.rt.queues.get('store').getJob('pull-bad');
    expect(job!.attemptsMade).toBe(1);
    expect(job!.opts.attempts).toBeGreaterThan(1);
    const j = await h.cli(['jobs']);
    expect(j.stdout).toMatch(/pull-bad[\s\S]*malformed response from AWS/);
  });

  it('an error no retry can fix (an unknown kube context) fails its job at once, not after its 3 attempts', async () => {
    const h = await harness('permanent', { queue: 'store' });
    const failed = failedFor(h.events, 'collect-nope');
    await h.rt.queues.get('store').add('collect-k8s', { context: 'nope', cluster: 'nope', window: 900 }, { ...jobOptions('collect-k8s'), jobId: 'collect-nope' });
    expect(await failed).toMatch(/no context "nope" in the kubeconfig/);
    const job = await h.rt.queues.get('store').getJob('collect-nope');
    expect([job!.attemptsMade, job!.opts.attempts]).toEqual([1, 3]);
  });
});

describe('a refused email', () => {
  it('550 for a team\'s only recipient: allot run --enqueue --wait exits 1 naming it; allot jobs, allot sends and the metrics show it', async () => {
    const h = await harness('refused');
    h.smtp.setScript({ rejectAddress: (a) => (a === 'zebra-leads@example.com' ? { code: 550, message: '5.1.1 zebra-leads: no such mailbox' } : undefined) });
    const r = await h.cli(['run', '--period', PERIOD, '--no-pull', '--enqueue', '--wait', '--artefacts', h.org.artefactsDir]);
    expect(r.stdout).toContain(`monthly-${PERIOD} finished: emails: 2 sent, 1 refused`);
    expect(r.stderr).toContain(
      `allot: 1 team report was refused by the SMTP server for ${PERIOD}: zebra: zebra-leads@example.com: 550 5.1.1 zebra-leads: no such mailbox. ` +
        `Fix the addresses, then "allot send --period ${PERIOD}" sends what the send log shows as not sent`,
    );
    expect(r.code).toBe(1);

    const jobs = await h.cli(['jobs']);
    expect(jobs.code).toBe(0);
    expect(jobs.stdout).toContain(`monthly-${PERIOD} (${PERIOD}): 9 steps: 8 done, 1 refused`);
    expect(jobs.stdout).toMatch(/ {4}refused +send-zebra: zebra-leads@example\.com: 550 5\.1\.1 zebra-leads: no such mailbox/);

    const sends = await h.cli(['sends', '--period', PERIOD, '--team', 'zebra']);
    expect(sends.code).toBe(0);
    expect(sends.stdout).toMatch(/^zebra +failed +#\d+ +zebra-leads@example\.com +1 +\S+ +550 5\.1\.1 zebra-leads: no such mailbox/m);

    await h.worker.collect();
    expect(h.worker.metrics.render()).toMatch(/^allot_email_failures_total\{kind="refused",team="zebra"\} 1$/m);
    expect(h.worker.metrics.render()).toMatch(/^allot_email_failures_total\{kind="refused",team="payments"\} 0$/m);
  }, 60_000);

  it('550 for one of two recipients: a partial refusal fails the run too, with the reply', async () => {
    const h = await harness('partial');
    h.smtp.setScript({ rejectAddress: (a) => (a === 'pay-fin@example.com' ? { code: 550, message: '5.1.1 pay-fin: no such mailbox' } : undefined) });
    const r = await h.cli(['run', '--period', PERIOD, '--no-pull', '--enqueue', '--wait', '--artefacts', h.org.artefactsDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/payments \(partly\): pay-fin@example\.com: 250 Queued as \d+; refused: 550 5\.1\.1 pay-fin: no such mailbox/);
    expect(r.stderr).toContain('(add --team <id> --resend for a partly refused one)');
    expect(h.worker.metrics.emailFailures.get({ team: 'payments', kind: 'partly_refused' })).toBe(1);
  }, 60_000);

  it('allot run in one process exits 1 on a 550, once the run is done', async () => {
    const h = await harness('inprocess');
    h.smtp.setScript({ rejectAddress: (a) => (a === 'hostile@example.com' ? 550 : undefined) });
    const r = await allot(['--config', h.org.configFile, '--db', h.org.dbPath, 'run', '--period', PERIOD, '--no-pull'], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(r.stdout).toContain(`monthly-${PERIOD}: 9 steps; emails: 2 sent, 1 refused`);
    expect(r.stderr).toContain('allot: 1 team report was refused by the SMTP server for 2026-10: hostile: hostile@example.com: 550 Mailbox unavailable.');
    expect(r.code).toBe(1);
  }, 60_000);
});

describe('allot jobs: why a job waits', () => {
  it('a send deferred by a 451 shows as delayed with the attempt, the reply and when it runs again', async () => {
    const h = await harness('delayed', { sendAttempts: 8, sendDelayMs: 3_600_000 });
    h.smtp.setScript({ rejectAddress: (a) => (a.startsWith('zebra') ? { code: 451, message: 'Greylisted, try later' } : undefined) });
    const producer = new FlowProducer({ connection: h.rt.redis, prefix: h.rt.prefix });
    closers.push(() => producer.close());
    const spec = monthlySpec(h.org.loaded.config, PERIOD, { close: false });
    const delayed = new Promise<void>((resolve) => h.events.on('delayed', ({ jobId }) => jobId === `${spec.key}-send-zebra` && resolve()));
    await enqueueMonthly({ queues: h.rt.queues, producer, policies: { send: { attempts: 8, delayMs: 3_600_000 } } }, spec);
    await delayed;
    const r = await h.cli(['jobs']);
    expect(r.stdout).toMatch(
      new RegExp(`^ {2}deliver/${spec.key}-send-zebra \\(send\\) at \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z: retry 2 of 8 after: team zebra: 451 Greylisted, try later$`, 'm'),
    );
    expect(r.stdout).toMatch(new RegExp(` {4}delayed +send-zebra: retry 2 of 8 after: team zebra: 451 Greylisted, try later; next attempt at \\S+Z`));
  }, 60_000);
});
