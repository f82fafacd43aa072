-- Records a fencing token unless a newer one is there.
-- $1 fence name  $2 token  $3 holder  $4 job id
-- Returns: name, when it was recorded (no row: a newer token is there)
INSERT INTO job_fence VALUES ($1, $2, $3, $4, now()::TIMESTAMP)
ON CONFLICT (name) DO UPDATE SET token = excluded.token, holder = excluded.holder, job_id = excluded.job_id, written_at = excluded.written_at
WHERE job_fence.token <= excluded.token
RETURNING name;
