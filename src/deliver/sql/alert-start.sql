-- Records an alert about to be handed to the mail server or a webhook.
-- $1 period  $2 team id  $3 run id  $4 recipients  $5 message id  $6 subject  $7 started at  $8 alert key  $9 channel
-- Returns: id (the send_id)
INSERT INTO send_log (send_id, period, team_id, run_id, recipients, message_id, subject, status, attempts, resend, started_at, alert_key, channel)
VALUES (nextval('send_id_seq'), $1, $2, $3, $4, $5, $6, 'sending', 0, false, $7::TIMESTAMP, $8, $9)
RETURNING send_id::INTEGER AS id;
