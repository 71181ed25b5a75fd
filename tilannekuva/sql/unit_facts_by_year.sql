-- page: principal_unit
-- roles: principal
-- grain: aggregate
-- params: unit_id
-- benchmark: true
-- suppress: pupils; fixed: school_year_id; values: groups
-- A unit's basic facts by school year: its children / pupils (enrolled), its teaching groups with
-- pupils, and its staff (employed: M1's denominator). Counts of people only; the pupil count is
-- suppressed under the threshold like every pupil aggregate (benchmark: always, whoever reads it), and
-- the groups with it (null = hidden; a year with staff but no enrolments reads 0).
with enrolled as (
    select e.school_year_id, count(distinct e.pupil_id) as pupils, count(distinct e.group_id) as groups
    from scoped_enrolment e join scoped_group g using (group_id)
    where g.unit_id = $unit_id
    group by all
), staff as (
    select school_year_id, staff from scoped_agg_training_reach where unit_id = $unit_id
)
select y.school_year_id, coalesce(p.pupils, 0)::integer as pupils, coalesce(p.groups, 0)::integer as groups,
       s.staff::integer as staff
from scoped_school_year y
left join enrolled p using (school_year_id)
left join staff s using (school_year_id)
where p.pupils is not null or s.staff is not null
order by y.school_year_id
