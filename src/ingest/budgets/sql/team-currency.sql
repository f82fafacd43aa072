-- The currency a team's cost is reported in, for a period: its largest
-- absolute total in the run that speaks for the period, else in the latest
-- run of any period that has rows for it.
-- $1 VARCHAR team id   $2 VARCHAR period
-- Returns: currency, period (the one it was read from); no row: the team has no cost on file
WITH t AS (
  SELECT r.period, r.run_id, r.currency, abs(sum(r.amount)) AS total,
         (r.run_id = period_run_id($2)) AS same_period
  FROM chargeback_rows r
  WHERE r.team_id = $1 AND (r.run_id = period_run_id($2) OR r.run_id = period_run_id(r.period))
  GROUP BY ALL
)
SELECT currency, period FROM t ORDER BY same_period DESC, period DESC, total DESC, currency LIMIT 1;
