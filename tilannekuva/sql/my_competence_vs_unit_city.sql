-- page: teacher_me
-- roles: teacher
-- grain: aggregate
-- params: school_year_id
-- benchmark: true
-- suppress: respondents; fixed: level, area; values: mean_score
-- M5 for the user: their own answers by area (scoped_competence_survey keeps staff_id only for the
-- user's own answers), their unit's mean (hidden under the threshold of respondents) and the city's.
with own as (
    select c.unit_id, c.area, avg(c.score) as mean_score
    from scoped_competence_survey c
    where c.school_year_id = $school_year_id and c.staff_id = getvariable('scope_staff')
    group by all
), own_unit as (
    select distinct unit_id from own
)
select 'own' as level, area, null::integer as respondents, mean_score::double as mean_score from own
union all
select 'unit', b.area, b.respondents::integer, (b.score_sum / b.answers)::double
from bench_competence_by_unit b join own_unit using (unit_id)
where b.school_year_id = $school_year_id
union all
select 'city', b.area, sum(b.respondents)::integer, (sum(b.score_sum) / sum(b.answers))::double
from bench_competence_by_area b
where b.school_year_id = $school_year_id and exists (select 1 from own)
group by b.area
order by area, level
