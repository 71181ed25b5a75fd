-- page: teacher_groups, principal_support
-- roles: principal, teacher
-- grain: aggregate
-- params: unit_id, school_year_id
-- suppress: pupils; cells: group_id, month; fixed: month; values: absence_hours, hours_per_pupil
-- S1 absences per pupil by month for the groups in scope (unit_id null = every unit in scope). Keyed
-- by group_id (a teacher's two groups of one name in two units are two lines), with the unit's name.
select g.group_id, g.name as group_name, u.name as unit_name, a.month, count(distinct a.pupil_id)::integer as pupils,
       sum(a.absence_hours)::double as absence_hours,
       (sum(a.absence_hours) / count(distinct a.pupil_id))::double as hours_per_pupil
from scoped_absence a join scoped_group g using (group_id) join scoped_unit u on u.unit_id = g.unit_id
where a.school_year_id = $school_year_id and ($unit_id is null or g.unit_id = $unit_id)
group by g.group_id, g.name, u.name, a.month
order by g.name, g.group_id, a.month
