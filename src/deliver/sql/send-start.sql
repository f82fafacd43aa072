-- Records a team report about to be handed to the mail server.
-- $1 period  $2 team id  $3 run id  $4 recipients (comma-separated)  $5 message id  $6 subject  $7 BOOLEAN a resend
-- $8 started at (ISO 8601)
-- Returns: id (the send_id)
INSERT INTO send_log (send_id, period, team_id, run_id, recipients, message_id, subject, status, attempts, resend, started_at)
VALUES (nextval('send_id_seq'), $1, $2, $3, $4, $5, $6, 'sending', 0, $7, $8::TIMESTAMP)
RETURNING send_id::INTEGER AS id;
