-- page: principal_staff
-- roles: principal
-- grain: staff
-- params: unit_id, school_year_id
-- M1 by name for the principal (the staff's supervisor): everyone employed in the unit in the school
-- year, the information-management / data-protection / digital-security trainings they attended that
-- year, and whether they still lack one. Teachers' scope holds only their own record.
with attended as (
    select p.staff_id, count(*) as trainings, sum(t.hours) as hours, max(p.attended_on) as last_attended,
           string_agg(distinct t.topic, ', ' order by t.topic) as topics
    from scoped_training_participation p join scoped_training t using (training_id)
    where t.school_year_id = $school_year_id
    group by p.staff_id
)
select s.staff_id, s.last_name, s.first_name, s.staff_group,
       coalesce(a.trainings, 0)::integer as trainings, coalesce(a.hours, 0)::double as hours,
       a.last_attended, a.topics, a.staff_id is not null as is_trained
from scoped_employment e
join scoped_staff s using (staff_id)
left join attended a using (staff_id)
where e.unit_id = $unit_id and e.school_year_id = $school_year_id
order by is_trained, s.last_name, s.first_name
