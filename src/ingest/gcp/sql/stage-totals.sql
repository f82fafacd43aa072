-- Per currency, what a pull staged: its billed cost and, of that, its credits.
-- No parameters.
-- Returns: currency, billed, credits (decimal text)
SELECT billing_currency AS currency, sum(billed_cost)::VARCHAR AS billed,
       coalesce(sum(billed_cost) FILTER (WHERE charge_category = 'Credit'), 0)::VARCHAR AS credits
FROM stage_line_items GROUP BY ALL ORDER BY ALL;
