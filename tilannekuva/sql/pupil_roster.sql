-- page: principal_unit, principal_support, teacher_groups, teacher_watch
-- roles: principal, teacher
-- grain: pupil
-- params: unit_id, school_year_id
-- Named pupils of the groups in scope in the school year (unit_id null = every unit in scope), with
-- the support in force. Principals: their units' pupils; teachers: their own groups' pupils.
with support as (
    select pupil_id, string_agg(distinct support_form, ', ' order by support_form) as support_forms
    from scoped_support_decision where school_year_id = $school_year_id group by pupil_id
)
select g.unit_id, e.group_id, g.name as group_name, p.pupil_id, p.last_name, p.first_name,
       s.support_forms, s.pupil_id is not null as has_support
from scoped_enrolment e
join scoped_group g using (group_id)
join scoped_pupil p using (pupil_id)
left join support s using (pupil_id)
where e.school_year_id = $school_year_id and ($unit_id is null or g.unit_id = $unit_id)
order by g.name, p.last_name, p.first_name
