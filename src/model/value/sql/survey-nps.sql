-- NPS answers per quarter up to the end of a period, newest 4 quarters.
-- $1 DATE first day after the period
-- Returns: quarter (YYYY-Qn), responses, promoters (9-10), passives (7-8), detractors (0-6)
SELECT year(answered_on) || '-Q' || quarter(answered_on) AS quarter, count(*)::INTEGER AS responses,
       count(*) FILTER (WHERE score >= 9)::INTEGER AS promoters,
       count(*) FILTER (WHERE score BETWEEN 7 AND 8)::INTEGER AS passives,
       count(*) FILTER (WHERE score <= 6)::INTEGER AS detractors
FROM survey_nps WHERE answered_on < $1::DATE
GROUP BY ALL ORDER BY quarter DESC LIMIT 4;
