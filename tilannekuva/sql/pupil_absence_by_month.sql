-- page: principal_unit, principal_support, teacher_groups, teacher_watch
-- roles: principal, teacher
-- grain: pupil
-- params: unit_id, school_year_id
-- Each pupil's absence hours per month of the school year (input of the support-signal rules).
select a.pupil_id, a.month, sum(a.absence_hours)::double as absence_hours
from scoped_absence a join scoped_group g using (group_id)
where a.school_year_id = $school_year_id and ($unit_id is null or g.unit_id = $unit_id)
group by all
order by all
