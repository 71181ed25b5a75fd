-- page: teacher_groups
-- roles: teacher
-- grain: aggregate
-- params: school_year_id
-- benchmark: true
-- suppress: pupils; fixed: group_id, term, subject; values: mean_grade
-- S3 for the groups in scope: each group's mean grade per subject and term, and its unit's mean for
-- the same subject and term (an aggregate over the unit's pupils; hidden under the threshold). Keyed
-- by group_id: a teacher's two groups of one name in two units are two groups.
with groups as (
    select g.group_id, g.name as group_name, g.unit_id from scoped_group g where g.school_year_id = $school_year_id
), mine as (
    select gr.group_id, gr.group_name, a.term, a.subject, count(distinct a.pupil_id) as pupils, avg(a.grade) as mean_grade
    from scoped_assessment a join groups gr using (group_id)
    where a.school_year_id = $school_year_id
    group by all
), unit as (
    select gr.group_id, gr.group_name, b.term, b.subject, b.pupils, b.grade_sum / b.grades as mean_grade
    from bench_assessment_by_unit b join groups gr using (unit_id)
    where b.school_year_id = $school_year_id
)
select 'group' as level, group_id, group_name, term, subject, pupils::integer as pupils,
       mean_grade::double as mean_grade from mine
union all
select 'unit', group_id, group_name, term, subject, pupils::integer, mean_grade::double from unit
order by group_name, group_id, term desc, subject, level
