// Who may read what: bearer tokens from the environment. An admin token reads
// everything; a team token reads its own team only.
import { createHash, timingSafeEqual } from 'node:crypto';
import { AllotError } from '../util/errors.ts';

export type Scope = { kind: 'admin' } | { kind: 'team'; team: string };

export interface TokenTable {
  /** The scope of a presented token, or undefined when it is not one of ours. */
  scopeOf(token: string): Scope | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Reads ALLOT_API_ADMIN_TOKEN and ALLOT_API_TEAM_TOKENS ("team=token,team=token")
 * from `env`. Each team must exist; at least one token must be set; a token
 * shorter than 16 characters is refused (easily guessed).
 */
export function tokensFromEnv(env: NodeJS.ProcessEnv, teams: readonly string[]): TokenTable {
  const entries: { hash: Buffer; scope: Scope }[] = [];
  const add = (token: string, scope: Scope, what: string) => {
    if (token.length < 16) throw new AllotError(`${what}: a token needs at least 16 characters`);
    entries.push({ hash: digest(token), scope });
  };
  if (env.ALLOT_API_ADMIN_TOKEN) add(env.ALLOT_API_ADMIN_TOKEN, { kind: 'admin' }, 'ALLOT_API_ADMIN_TOKEN');
  for (const pair of (env.ALLOT_API_TEAM_TOKENS ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = pair.indexOf('=');
    const team = i > 0 ? pair.slice(0, i) : '';
    if (!team) throw new AllotError('ALLOT_API_TEAM_TOKENS: each entry is team=token, separated by commas');
    if (!teams.includes(team)) throw new AllotError(`ALLOT_API_TEAM_TOKENS: unknown team "${team}"; teams: ${teams.join(', ')}`);
    add(pair.slice(i + 1), { kind: 'team', team }, `ALLOT_API_TEAM_TOKENS (${team})`);
  }
  if (entries.length === 0) throw new AllotError('no API token: set ALLOT_API_ADMIN_TOKEN and/or ALLOT_API_TEAM_TOKENS (team=token,…)');
  return {
    scopeOf(token) {
      const h = digest(token);
      // Every entry is compared, in constant time each: the answer takes as long for any token.
      let found: Scope | undefined;
      for (const e of entries) if (timingSafeEqual(e.hash, h)) found ??= e.scope;
      return found;
    },
  };
}
