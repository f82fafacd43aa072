import { plural } from './format.ts';
import type { RegisterSource } from './register.ts';

/** `allot ingest survey FILE`: NPS answers or onboarding samples for the platform review. */
export const registerIngestSurvey: RegisterSource = (ingest, run) => {
  ingest
    .command('survey')
    .description('import platform survey answers for the value review (CSV: team,date,score for NPS 0-10, or team,date,hours to first production deploy)')
    .argument('<file>', 'the CSV; its rows replace those an earlier import of the same file recorded')
    .action((file: string) =>
      run(async (ctx) => {
        const { ingestSurvey } = await import('../ingest/survey/index.ts');
        const teams = new Map<string, string>();
        for (const t of ctx.config().config.teams) for (const k of [t.id, ...t.aliases]) teams.set(k.toLowerCase(), t.id);
        const r = await ingestSurvey(await ctx.db({ create: true }), file, teams);
        ctx.print(r, () => {
          const what = r.kind === 'nps' ? 'NPS answer' : 'onboarding sample';
          ctx.out(`${file}: ${plural(r.rows, what)} from ${plural(r.teams, 'team')} recorded${r.replaced ? `, replacing ${plural(r.replaced, 'earlier row')}` : ''}`);
        });
      }),
    );
};
