-- A step is done, with its result.
-- $1 step id  $2 result (JSON text)  $3 fencing token (NULL: none)
UPDATE job_steps SET status = 'done', result = $2::JSON, fence = $3, finished_at = now()::TIMESTAMP WHERE step_id = $1;
