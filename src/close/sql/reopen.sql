-- Marks a closed period reopened.
-- $1 VARCHAR period
-- Returns: nothing
UPDATE period_closes SET status = 'reopened' WHERE period = $1;
