-- page: teacher_groups
-- roles: teacher
-- grain: aggregate
-- params: school_year_id
-- The teaching groups in scope in the school year (a teacher's own groups), with pupil and teacher counts.
select g.group_id, g.name as group_name, u.name as unit_name, g.grade, g.is_special_class,
       (select count(*) from scoped_enrolment e where e.group_id = g.group_id)::integer as pupils,
       (select count(*) from scoped_group_teacher t where t.group_id = g.group_id)::integer as teachers
from scoped_group g
join scoped_unit u using (unit_id)
where g.school_year_id = $school_year_id
order by u.name, g.grade nulls last, g.name
