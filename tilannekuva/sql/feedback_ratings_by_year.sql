-- page: sector_metric
-- roles: sector_lead
-- grain: aggregate
-- params:
-- M2 distribution: answers per rating 1–5 by school year, topic and the answerer's unit's
-- sector, district and language (anonymous answers; no pupil data).
select t.school_year_id, t.topic, u.sector, u.district_id, u.language, f.rating, count(*)::integer as answers
from scoped_training_feedback f
join scoped_training t using (training_id)
join scoped_unit u using (unit_id)
group by all
order by all
