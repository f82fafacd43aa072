-- How many classes the period's line items fall into.
-- Reads: classes.
-- Returns: n (INTEGER).
SELECT count(*)::INTEGER AS n FROM classes;
