// Operators read the store while a worker holds it mid-job: `allot status`
// and `allot explain` (real CLI processes) answer at once from the snapshot
// the worker published, and say so; a command that writes says who holds the
// store, and waits for it (visibly) or gives up after --wait-store.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobOptions } from '../../jobs/queues.ts';
import type { JobsRuntime } from '../../jobs/runtime.ts';
import { startWorker, type RunningWorker } from '../../jobs/worker.ts';
import { holderFile, snapshotFile } from '../../src/store/access.ts';
import { allot } from '../cli/run.ts';
import { orgFiles, PERIOD, runtimeOn, SHARED_REDIS, uniquePrefix, type OrgFiles } from './helpers.ts';
import { silentLogger } from '../../jobs/log.ts';

const BIN = fileURLToPath(new URL('../../bin/allot.mjs', import.meta.url));

let org: OrgFiles;
let rt: JobsRuntime;
let worker: RunningWorker;
let release!: () => void;
let entered!: Promise<void>;

beforeAll(async () => {
  org = await orgFiles(1);
  rt = runtimeOn(SHARED_REDIS, uniquePrefix('busy'));
  let enter!: () => void;
  entered = new Promise<void>((r) => (enter = r));
  const gate = new Promise<void>((r) => (release = r));
  worker = await startWorker({
    redis: rt.redis, prefix: rt.prefix, log: silentLogger, loaded: org.loaded, dbPath: org.dbPath, artefactsDir: org.artefactsDir, queues: ['store'],
    hooks: {
      // The job holds the store (open for writing, fenced) until the test lets it go.
      storeEnter: async (_s, job) => {
        if (job.id !== 'hold') return;
        enter();
        await gate;
      },
    },
  });
  await rt.queues.get('store').add('freshness', { max_age_hours: 48, expected: [] }, { ...jobOptions('freshness'), jobId: 'hold' });
  await entered;
});
afterAll(async () => {
  release();
  await worker.close();
  await rt.close();
});

const cli = (args: string[]) => allot(['--config', org.configFile, '--db', org.dbPath, ...args]);
const held = `held by worker ${hostname()}:${process.pid} for job hold, since `;

describe('while a worker holds the store mid-job', () => {
  it('the worker published a snapshot and recorded itself as the holder', () => {
    expect(existsSync(snapshotFile(org.dbPath))).toBe(true);
    expect(existsSync(holderFile(org.dbPath))).toBe(true);
  });

  it('allot status answers at once from the snapshot and says so', async () => {
    const r = await cli(['--json', 'status']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`allot: the store is busy (${held}`);
    expect(r.stderr).toMatch(/reading the snapshot published \d{4}-\d\d-\d\dT[\d:]+Z by worker .+ before job hold; what the running job writes is not in it yet/);
    const status = JSON.parse(r.stdout) as { runs: { period: string }[] };
    expect(status.runs.map((x) => x.period)).toContain(PERIOD);
  });

  it('allot explain answers at once from the snapshot', async () => {
    const r = await cli(['explain', '--period', PERIOD, '--team', 'payments']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Payments \(payments\) — 2026-10, run #\d+: /);
    expect(r.stderr).toContain('reading the snapshot');
  });

  it('a command that writes says exactly why it cannot run now (--wait-store 0)', async () => {
    const r = await cli(['--wait-store', '0', 'attribute', '--period', PERIOD]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      new RegExp(`^allot: the store ${org.dbPath.replaceAll('.', '\\.')} is busy: ${held.replaceAll('.', '\\.')}\\S+; try again when it is done \\("allot jobs" shows the running jobs\\), or wait longer with --wait-store SECONDS$`),
    );
  });

  it('a command that writes waits for the job, visibly, then runs', async () => {
    const child = spawn(process.execPath, [BIN, '--config', org.configFile, '--db', org.dbPath, 'attribute', '--period', PERIOD], {
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const waiting = new Promise<void>((resolve) =>
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes('waiting for the store')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waiting;
    expect(stderr).toContain(`allot: waiting for the store (${held}`);
    release(); // the job ends; the worker closes the store and publishes a new snapshot
    expect(await exited).toBe(0);
    expect(stdout).toContain('conserved to the cent');
  });
});
