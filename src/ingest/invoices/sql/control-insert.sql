-- Records one control total, current until another of its kind, account, period and currency replaces it.
-- $1 VARCHAR kind  $2 VARCHAR provider  $3 VARCHAR billing account  $4 VARCHAR billing period  $5 VARCHAR currency
-- $6 VARCHAR invoice id ('' when none)  $7 VARCHAR amount (decimal text)  $8 VARCHAR file (or the pull)
-- $9 line in the file (NULL for a pull)  $10 VARCHAR when (ISO 8601)
-- Returns: nothing
INSERT INTO control_totals VALUES ($1, $2, $3, $4, $5, $6, $7::DECIMAL(38,12), $8, $9, $10::TIMESTAMP, NULL);
