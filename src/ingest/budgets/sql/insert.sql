-- Records one budget, current until a later file's budget of the same team and month replaces it.
-- $1 VARCHAR team id  $2 VARCHAR period  $3 VARCHAR charge type  $4 VARCHAR currency  $5 VARCHAR amount (decimal text)
-- $6 VARCHAR the file  $7 its line  $8 VARCHAR when (ISO 8601)
-- Returns: nothing
INSERT INTO budgets VALUES ($1, $2, $3, $4, $5::DECIMAL(38,12), $6, $7, $8::TIMESTAMP, NULL);
