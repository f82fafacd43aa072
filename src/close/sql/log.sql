-- Logs a close, a reopen or an accepted variance, for audit; the log is never updated.
-- $1 VARCHAR period  $2 VARCHAR action ('close', 'reopen', 'accept-variance')  $3 INTEGER run id
-- $4 VARCHAR the chargeback CSV's SHA-256  $5 VARCHAR the reason (NULL for a close)  $6 VARCHAR who (NULL: unknown)
-- Returns: nothing
INSERT INTO period_close_log VALUES ($1, $2, $3, $4, $5, $6, now()::TIMESTAMP);
