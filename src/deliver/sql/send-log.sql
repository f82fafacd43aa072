-- The team reports of a period in the send log (alert_key NULL; alerts have alert-log.sql), oldest first.
-- $1 VARCHAR period  $2 VARCHAR team id (NULL: all)
-- Returns: send_id, period, team_id, run_id, recipients, message_id, subject, status, response, error_code, rejected,
-- attempts, resend, started_at, sent_at (ISO 8601, UTC)
SELECT send_id, period, team_id, run_id, recipients, message_id, subject, status, response, error_code, rejected,
  attempts, resend, strftime(started_at, '%Y-%m-%dT%H:%M:%SZ') AS started_at, strftime(sent_at, '%Y-%m-%dT%H:%M:%SZ') AS sent_at
FROM send_log WHERE period = $1 AND ($2::VARCHAR IS NULL OR team_id = $2) AND alert_key IS NULL ORDER BY send_id;
