-- Records a period closed at a run.
-- $1 VARCHAR period  $2 INTEGER run id  $3 VARCHAR the chargeback CSV's SHA-256  $4 its rows
-- $5 VARCHAR control totals (JSON)  $6 VARCHAR who closed it (NULL: unknown)  $7 VARCHAR the tie-out it was closed with (JSON)
-- Returns: nothing
INSERT INTO period_closes (period, run_id, status, csv_sha256, rows, control_totals, closed_at, closed_by, tieout)
VALUES ($1, $2, 'closed', $3, $4, $5::JSON, now()::TIMESTAMP, $6, $7::JSON);
