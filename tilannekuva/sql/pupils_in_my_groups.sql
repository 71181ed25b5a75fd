-- page: teacher_groups
-- roles: teacher
-- grain: pupil
-- params: school_year_id
-- Named pupils of the groups in scope in the school year: absences so far this school year,
-- the support in place and the mean of the latest assessment.
with absence as (
    select pupil_id, sum(absence_hours) as absence_hours, sum(unexcused_hours) as unexcused_hours
    from scoped_absence where school_year_id = $school_year_id group by pupil_id
), latest_term as (
    select pupil_id, arg_max(term, term = 'kevat') as term
    from scoped_assessment where school_year_id = $school_year_id group by pupil_id
), grades as (
    select a.pupil_id, avg(a.grade) as mean_grade
    from scoped_assessment a join latest_term l using (pupil_id, term)
    where a.school_year_id = $school_year_id group by a.pupil_id
), support as (
    select pupil_id, string_agg(distinct support_form, ', ' order by support_form) as support_forms
    from scoped_support_decision where school_year_id = $school_year_id group by pupil_id
)
select e.group_id, g.name as group_name, p.pupil_id, p.last_name, p.first_name,
       coalesce(a.absence_hours, 0)::double as absence_hours, coalesce(a.unexcused_hours, 0)::double as unexcused_hours,
       s.support_forms, gr.mean_grade
from scoped_enrolment e
join scoped_group g using (group_id)
join scoped_pupil p using (pupil_id)
left join absence a using (pupil_id)
left join support s using (pupil_id)
left join grades gr using (pupil_id)
where e.school_year_id = $school_year_id
order by g.name, p.last_name, p.first_name
