-- The final state of a message.
-- $1 INTEGER send id  $2 VARCHAR status ('sent', 'failed')  $3 attempts  $4 VARCHAR the server's answer
-- $5 VARCHAR error code  $6 VARCHAR recipients rejected (comma-separated; NULL: none)  $7 VARCHAR when (ISO 8601)
-- Returns: nothing
UPDATE send_log SET status = $2, attempts = $3, response = $4, error_code = $5, rejected = $6, sent_at = $7::TIMESTAMP WHERE send_id = $1;
