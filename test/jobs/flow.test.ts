// The monthly pipeline as a BullMQ flow on the shared Redis (unique prefix per
// test), with an in-process worker, a local Cost Explorer and a local SMTP
// server. Every wait is on a queue event or a hook, never a timer.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FlowProducer } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../jobs/log.ts';
import { enqueueMonthly } from '../../jobs/monthly/flow.ts';
import { queueReport, retryFailed } from '../../jobs/inspect.ts';
import type { JobsRuntime } from '../../jobs/runtime.ts';
import { monthlySpec } from '../../jobs/spec.ts';
import { RunFailedError, RunWatcher } from '../../jobs/watch.ts';
import { startWorker, type RunningWorker, type WorkerHooks } from '../../jobs/worker.ts';
import { Store } from '../../src/store/db.ts';
import { startCostExplorerServer, type CeServer } from '../servers/aws-ce.ts';
import { TestSmtpServer } from '../servers/smtp.ts';
import { MAILED, messageIds, orgFiles, PERIOD, runtimeOn, SHARED_REDIS, transportTo, uniquePrefix, type OrgFiles } from './helpers.ts';

let ce: CeServer;
beforeAll(async () => {
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  ce = await startCostExplorerServer({
    accounts: [{ id: '111111111111', name: 'payments-prod' }],
    costs: [
      { account: '111111111111', day: `${PERIOD}-05`, service: 'Amazon DynamoDB', tags: { team: 'payments' }, unblended: '210.50' },
      { account: '111111111111', day: `${PERIOD}-06`, service: 'Amazon DynamoDB', tags: { team: 'payments' }, unblended: '189.50' },
    ],
  });
});
afterAll(async () => {
  await ce.close();
});

interface Harness {
  smtp: TestSmtpServer;
  org: OrgFiles;
  rt: JobsRuntime;
  worker: RunningWorker;
  watcher: RunWatcher;
  producer: FlowProducer;
}
const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.worker.close();
    await h.watcher.close();
    await h.producer.close();
    await h.rt.close();
    await h.smtp.close();
  }
});

async function harness(name: string, o: { hooks?: WorkerHooks; sendAttempts?: number } = {}): Promise<Harness> {
  const smtp = await TestSmtpServer.start();
  const org = await orgFiles(
    smtp.port,
    `schedule:\n  monthly:\n    close: true\n    sources:\n      - { type: aws-ce, id: aws, billing_account: payer-1, endpoint: "${ce.url}" }\n`,
  );
  const rt = runtimeOn(SHARED_REDIS, uniquePrefix(name));
  const policies = o.sendAttempts ? { send: { attempts: o.sendAttempts, delayMs: 20 } } : {};
  const worker = await startWorker({
    redis: rt.redis, prefix: rt.prefix, log: silentLogger, loaded: org.loaded, dbPath: org.dbPath, artefactsDir: org.artefactsDir,
    concurrency: 3, transport: transportTo(smtp.port), hooks: o.hooks, policies,
  });
  const watcher = await RunWatcher.start(rt.redis, rt.prefix);
  const producer = new FlowProducer({ connection: rt.redis, prefix: rt.prefix });
  const h = { smtp, org, rt, worker, watcher, producer };
  open.push(h);
  return h;
}

/** Resolves once `n` callers are inside it at the same time: proof that they run in parallel. */
function barrier(n: number) {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return async () => {
    if (++arrived === n) release();
    await all;
  };
}

describe('the monthly flow on BullMQ', () => {
  it('pulls, attributes, exports, renders and sends per team in parallel, then logs and closes: one email per team', async () => {
    const renders = barrier(MAILED.length);
    const sends = barrier(MAILED.length);
    const h = await harness('flow', {
      hooks: { beforeJob: (job) => (job.name === 'render' ? renders() : job.name === 'send' ? sends() : undefined) },
    });
    const spec = monthlySpec(h.org.loaded.config, PERIOD);
    expect(spec.close).toBe(true);
    const r = await enqueueMonthly({ queues: h.rt.queues, producer: h.producer }, spec);
    expect(r).toMatchObject({ added: true, root: { id: `monthly-${PERIOD}-export`, queue: 'store' }, finish: { id: `monthly-${PERIOD}-finish` } });
    // Enqueueing again is a no-op: the ids are the step ids.
    expect((await enqueueMonthly({ queues: h.rt.queues, producer: h.producer }, spec)).added).toBe(false);

    const result = await h.watcher.wait(h.rt.queues, spec.key, r.finish);
    expect(result).toEqual({ logged: 3, sent: 3, failed: 0, refused: [], closed: true });

    // One message per mailed team, each with its own Message-ID.
    const got = await messageIds(h.smtp.messages.map((m) => m.raw));
    expect(got.map((m) => m.team)).toEqual([...MAILED].sort());
    expect(new Set(got.map((m) => m.id)).size).toBe(3);

    // The flow's shape: finish ← send-<team> ← render-<team>.
    const finish = (await h.rt.queues.get('store').getJob(r.finish.id))!;
    expect(Object.keys(await finish.getChildrenValues()).map((k) => k.split(':').slice(-2).join(':')).sort()).toEqual(
      MAILED.map((t) => `deliver:monthly-${PERIOD}-send-${t}`).sort(),
    );

    const store = await Store.open(h.org.dbPath);
    try {
      const n = async (sql: string) => Number((await store.one<{ n: string }>(sql, [PERIOD]))!.n);
      expect(await n(`SELECT count(*)::VARCHAR AS n FROM imports WHERE source = 'aws-ce' AND file LIKE '%' || $1`)).toBe(1);
      expect(await n(`SELECT count(*)::VARCHAR AS n FROM allocation_runs WHERE period = $1`)).toBe(2); // the fixture's and this run's
      expect(await n(`SELECT count(*)::VARCHAR AS n FROM send_log WHERE period = $1 AND status = 'sent'`)).toBe(3);
      expect(await n(`SELECT count(*)::VARCHAR AS n FROM period_closes WHERE period = $1 AND status = 'closed'`)).toBe(1);
      const steps = await store.all<{ step_id: string; status: string }>(`SELECT step_id, status FROM job_steps ORDER BY step_id`);
      expect(steps.map((s) => `${s.step_id} ${s.status}`)).toEqual(
        ['attribute', 'export', 'finish', 'pull-aws'].map((s) => `monthly-${PERIOD}-${s} done`),
      );
      // The rows include what the pull brought: 400.00 of DynamoDB for payments.
      const dyn = await store.one<{ amount: string }>(
        `SELECT sum(amount)::DECIMAL(18,2)::VARCHAR AS amount FROM chargeback_rows WHERE run_id = (SELECT max(run_id) FROM allocation_runs WHERE period = $1) AND service = 'Amazon DynamoDB'`,
        [PERIOD],
      );
      expect(dyn?.amount).toBe('400.00');
    } finally {
      store.close();
    }
    const dir = join(h.org.artefactsDir, spec.key);
    expect(existsSync(join(dir, `chargeback-${PERIOD}.csv`))).toBe(true);
    for (const t of MAILED) expect(existsSync(join(dir, `${t}.eml`))).toBe(true);

    const m = h.worker.metrics;
    await h.worker.collect();
    expect(m.sourceLastSuccess.get({ source: 'aws' })).toBeGreaterThan(0);
    expect(m.queueJobs.get({ queue: 'render', state: 'completed' })).toBe(3);
    expect(m.render()).toMatch(/allot_job_duration_seconds_count\{name="render",queue="render",status="completed"\} 3/);
  });

  it('a send the server keeps deferring ends in the failed set with its reason; retrying it completes the month', async () => {
    const h = await harness('failing', { sendAttempts: 3 });
    h.smtp.setScript({ rejectAddress: (a) => (a.startsWith('zebra') ? { code: 451, message: 'Greylisted, try later' } : undefined) });
    const spec = monthlySpec(h.org.loaded.config, PERIOD, { close: false });
    const r = await enqueueMonthly({ queues: h.rt.queues, producer: h.producer, policies: { send: { attempts: 3, delayMs: 20 } } }, spec);

    const failure = await h.watcher.wait(h.rt.queues, spec.key, r.finish).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RunFailedError);
    expect((failure as RunFailedError).jobId).toBe(`monthly-${PERIOD}-send-zebra`);
    expect((failure as RunFailedError).reason).toMatch(/451 Greylisted/);

    const report = await queueReport(h.rt.queues);
    expect(report.failed).toEqual([
      expect.objectContaining({ queue: 'deliver', id: `monthly-${PERIOD}-send-zebra`, attempts_made: 3, attempts: 3, reason: expect.stringMatching(/451 Greylisted/) }),
    ]);
    expect(report.counts.find((c) => c.queue === 'store')).toMatchObject({ waiting_children: 1 }); // finish waits for it
    expect(h.smtp.commands.filter((c) => c.command === 'RCPT' && c.arg.startsWith('zebra')).map((c) => c.code)).toEqual([451, 451, 451]);
    expect(h.worker.metrics.jobFailures.get({ queue: 'deliver', name: 'send', final: 'true' })).toBe(1);
    expect(h.worker.metrics.jobFailures.get({ queue: 'deliver', name: 'send', final: 'false' })).toBe(2);

    h.smtp.setScript({});
    const done = h.watcher.wait(h.rt.queues, spec.key, r.finish);
    expect((await retryFailed(h.rt.queues)).retried.map((j) => j.id)).toEqual([`monthly-${PERIOD}-send-zebra`]);
    expect(await done).toEqual({ logged: 3, sent: 3, failed: 0, refused: [], closed: false });
    expect((await messageIds(h.smtp.messages.map((x) => x.raw))).map((x) => x.team)).toEqual([...MAILED].sort());
  });
});
