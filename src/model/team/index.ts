// The team report's read model: what a team spent, on what, how it moved (types.ts), built from a stored run (build.ts).
export * from './types.ts';
export { buildTeamReport, buildTeamReports, reportStatus, type BuildOptions } from './build.ts';
export { platformValueLines, platformValueLinesOrNone } from './value-line.ts';
