-- A 'sending' row left by a process that died mid-send: failed, its outcome unknown.
-- $1 INTEGER send id  $2 VARCHAR when (ISO 8601)
-- Returns: nothing
UPDATE send_log SET status = 'failed', response = coalesce(response || '; ', '') || 'interrupted: no answer was recorded', sent_at = $2::TIMESTAMP
WHERE send_id = $1 AND status = 'sending';
