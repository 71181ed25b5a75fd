-- page: sector_metric
-- roles: sector_lead
-- grain: aggregate
-- params:
-- M5 by DigCompEdu area and environment item: score sums and answer counts per school year and
-- the unit's sector, district and language (mean = score_sum / answers at any level).
select c.school_year_id, c.area, u.sector, u.district_id, u.language,
       sum(c.score)::bigint as score_sum, count(*)::integer as answers
from scoped_competence_survey c
join scoped_unit u using (unit_id)
group by all
order by all
