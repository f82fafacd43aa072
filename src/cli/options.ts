import { Option } from 'commander';
import { parsePeriod } from '../util/period.ts';

/** `--period YYYY-MM`, mandatory, checked where it enters. */
export const periodOption = (): Option => new Option('--period <YYYY-MM>', 'billing month (UTC)').argParser((v) => parsePeriod(v, '--period')).makeOptionMandatory();
