-- page: teacher_me
-- roles: teacher
-- grain: staff
-- params:
-- The user's own training record (scoped_staff holds only the teacher's own staff record): every
-- information-management, data-protection or digital-security training attended, by school year.
select t.school_year_id, t.name, t.topic, p.attended_on, t.hours::double as hours, t.is_mandatory
from scoped_training_participation p
join scoped_training t using (training_id)
where p.staff_id = getvariable('scope_staff')
order by p.attended_on desc
