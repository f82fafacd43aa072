// Survey figures beside adoption: NPS and onboarding time per quarter, from
// `allot ingest survey`. Absent answers are null ("not measured"), never 0.
import type { Store } from '../../store/db.ts';
import { sqlFolder } from '../../store/sql.ts';
import { addMonths } from '../../util/period.ts';
import type { NpsQuarter, OnboardingQuarter } from './types.ts';

const sql = sqlFolder(new URL('./sql/', import.meta.url));

/** NPS = % promoters (9–10) − % detractors (0–6), rounded half away from zero to a whole number. */
export function npsOf(promoters: number, detractors: number, responses: number): string {
  if (responses === 0) throw new Error('NPS of no responses');
  const n = BigInt(promoters - detractors) * 100n;
  const d = BigInt(responses);
  const a = n < 0n ? -n : n;
  const q = (2n * a + d) / (2n * d);
  return `${n < 0n && q !== 0n ? '-' : ''}${q}`;
}

/** NPS per quarter from raw scores (YYYY-MM-DD, 0..10), newest quarter first. */
export function npsByQuarter(answers: { date: string; score: number }[]): NpsQuarter[] {
  const by = new Map<string, number[]>();
  for (const a of answers) {
    const q = `${a.date.slice(0, 4)}-Q${Math.floor((Number(a.date.slice(5, 7)) - 1) / 3) + 1}`;
    by.set(q, [...(by.get(q) ?? []), a.score]);
  }
  return [...by].sort(([a], [b]) => b.localeCompare(a)).map(([quarter, scores]) => quarterOf(quarter, scores.length,
    scores.filter((s) => s >= 9).length, scores.filter((s) => s <= 6).length));
}

function quarterOf(quarter: string, responses: number, promoters: number, detractors: number): NpsQuarter {
  return { quarter, responses, promoters, passives: responses - promoters - detractors, detractors, nps: npsOf(promoters, detractors, responses) };
}

/** The stored answers up to the end of `period` (4 newest quarters); null where none exist. */
export async function loadSurvey(store: Store, period: string): Promise<{ nps: NpsQuarter[] | null; onboarding: OnboardingQuarter[] | null }> {
  const end = `${addMonths(period, 1)}-01`;
  const exists = await store.one<{ n: number }>(sql('has-survey'));
  if (!exists || Number(exists.n) === 0) return { nps: null, onboarding: null };
  const nps = await store.all<{ quarter: string; responses: number; promoters: number; passives: number; detractors: number }>(sql('survey-nps'), [end]);
  const onboarding = await store.all<{ quarter: string; samples: number; median_hours: string }>(sql('survey-onboarding'), [end]);
  return {
    nps: nps.length ? nps.map((q) => quarterOf(q.quarter, Number(q.responses), Number(q.promoters), Number(q.detractors))) : null,
    onboarding: onboarding.length ? onboarding.map((q) => ({ quarter: q.quarter, samples: Number(q.samples), median_hours: q.median_hours })) : null,
  };
}
