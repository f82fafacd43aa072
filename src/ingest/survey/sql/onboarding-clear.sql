-- Removes the onboarding samples an earlier import of the same file recorded.
-- $1 VARCHAR the file
-- Returns: one row per row removed
DELETE FROM survey_onboarding WHERE file = $1 RETURNING 1 AS removed;
