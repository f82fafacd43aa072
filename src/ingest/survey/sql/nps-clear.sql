-- Removes the NPS answers an earlier import of the same file recorded.
-- $1 VARCHAR the file
-- Returns: one row per row removed
DELETE FROM survey_nps WHERE file = $1 RETURNING 1 AS removed;
