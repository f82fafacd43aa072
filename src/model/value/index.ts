// The platform value report's read model (types.ts), built from a stored run (build.ts).
export * from './types.ts';
export { buildValueReport, periodHours } from './build.ts';
