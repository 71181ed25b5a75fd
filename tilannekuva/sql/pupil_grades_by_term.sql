-- page: principal_unit, principal_support, teacher_groups, teacher_watch
-- roles: principal, teacher
-- grain: pupil
-- params: unit_id, school_year_id
-- Each pupil's mean and lowest grade per term, this school year and the one before, as far as the
-- groups are in scope (input of the support-signal rules). term_order grows with time.
select a.pupil_id, a.school_year_id, a.term,
       a.school_year_id * 10 + case a.term when 'syksy' then 1 else 2 end as term_order,
       avg(a.grade)::double as mean_grade, min(a.grade)::integer as min_grade
from scoped_assessment a join scoped_group g using (group_id)
where a.school_year_id in ($school_year_id - 1, $school_year_id)
  and a.pupil_id in (select e.pupil_id from scoped_enrolment e join scoped_group g2 using (group_id)
                     where e.school_year_id = $school_year_id and ($unit_id is null or g2.unit_id = $unit_id))
group by all
order by all
