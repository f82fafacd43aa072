// The platform review's read model (types.ts), built from stored runs (build.ts).
export * from './types.ts';
export { buildValueReport, periodHours, TREND_MONTHS } from './build.ts';
export { adoptionSeries } from './adoption.ts';
export { npsByQuarter, npsOf } from './survey.ts';
