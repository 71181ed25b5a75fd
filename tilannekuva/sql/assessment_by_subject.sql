-- page: principal_support
-- roles: principal
-- grain: aggregate
-- params: unit_id, school_year_id
-- suppress: pupils; cells: subject; fixed: term; values: mean_grade, failing_share
-- S3 for one unit: mean grade (4–10) and share of failing grades per subject and term.
select a.subject, a.term, count(distinct a.pupil_id)::integer as pupils, avg(a.grade)::double as mean_grade,
       (count(*) filter (where a.grade = 4) / count(*))::double as failing_share
from scoped_assessment a join scoped_group g using (group_id)
where a.school_year_id = $school_year_id and g.unit_id = $unit_id
group by a.subject, a.term
order by a.term desc, a.subject
