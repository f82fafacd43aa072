-- The alerts of a period in the send log (alert_key set), oldest first.
-- $1 VARCHAR period   $2 VARCHAR team id (NULL: all)
-- Returns: send_id, team_id, alert_key, channel, recipients, message_id, subject, status, response, attempts, started_at, sent_at
SELECT send_id, team_id, alert_key, channel, recipients, message_id, subject, status, response, attempts,
       strftime(started_at, '%Y-%m-%dT%H:%M:%SZ') AS started_at, strftime(sent_at, '%Y-%m-%dT%H:%M:%SZ') AS sent_at
FROM send_log
WHERE period = $1 AND alert_key IS NOT NULL AND ($2::VARCHAR IS NULL OR team_id = $2)
ORDER BY send_id;
