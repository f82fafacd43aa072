import { AllotError } from '../util/errors.ts';
import type { Config, Team } from './schema.ts';

/** The teams a command works on: all configured, or the one asked for. */
export function selectTeams(config: Config, team?: string): Team[] {
  if (team === undefined) return config.teams;
  const t = config.teams.find((x) => x.id === team);
  if (!t) throw new AllotError(`unknown team "${team}"; teams: ${config.teams.map((x) => x.id).join(', ')}`);
  return [t];
}
