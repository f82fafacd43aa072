-- A step starts (again): 'running', with the store's high-water marks before it.
-- $1 step id  $2 run key  $3 stage  $4 marks (JSON text)  $5 fencing token (NULL: none)  $6 attempts
INSERT OR REPLACE INTO job_steps VALUES ($1, $2, $3, 'running', $4::JSON, NULL, $5, $6, now()::TIMESTAMP, NULL);
