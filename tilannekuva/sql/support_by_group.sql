-- page: principal_support
-- roles: principal
-- grain: aggregate
-- params: unit_id, school_year_id
-- suppress: pupils; cells: group_name; fixed: regime, support_level; values: share; base: enrolled
-- S2 by teaching group: pupils with a support decision or measure of each level in force in the
-- school year (old tiers and the 2025 levels kept apart), with the group's pupils; group totals null.
with enrolled as (
    select e.pupil_id, e.group_id, g.name as group_name, g.grade
    from scoped_enrolment e join scoped_group g using (group_id)
    where e.school_year_id = $school_year_id and g.unit_id = $unit_id
), supported as (
    select distinct pupil_id, regime, support_level
    from scoped_support_decision where school_year_id = $school_year_id
), levels as (
    select distinct regime, support_level from supported
)
select e.group_name, l.regime, l.support_level, count(s.pupil_id)::integer as pupils,
       count(*)::integer as enrolled, count(s.pupil_id) / count(*) as share
from enrolled e cross join levels l
left join supported s on s.pupil_id = e.pupil_id and s.regime = l.regime and s.support_level = l.support_level
group by grouping sets ((e.group_name, l.regime, l.support_level), (l.regime, l.support_level))
order by e.group_name nulls last, l.regime desc, l.support_level
