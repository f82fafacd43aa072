-- Removes a period's close record (closed or reopened), before it is closed again; the log keeps what it was.
-- $1 VARCHAR period
-- Returns: nothing
DELETE FROM period_closes WHERE period = $1;
