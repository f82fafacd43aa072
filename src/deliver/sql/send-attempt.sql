-- A transient failure, before the next attempt: how many so far and what the server said.
-- $1 INTEGER send id  $2 attempts  $3 VARCHAR the server's answer  $4 VARCHAR error code (NULL: none)
-- Returns: nothing
UPDATE send_log SET attempts = $2, response = $3, error_code = $4 WHERE send_id = $1;
