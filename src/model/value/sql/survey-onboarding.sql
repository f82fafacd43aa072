-- Onboarding samples per quarter up to the end of a period, newest 4 quarters.
-- $1 DATE first day after the period
-- Returns: quarter (YYYY-Qn), samples, median_hours (1 decimal)
SELECT year(answered_on) || '-Q' || quarter(answered_on) AS quarter, count(*)::INTEGER AS samples,
       round(median(hours), 1)::DECIMAL(18,1)::VARCHAR AS median_hours
FROM survey_onboarding WHERE answered_on < $1::DATE
GROUP BY ALL ORDER BY quarter DESC LIMIT 4;
