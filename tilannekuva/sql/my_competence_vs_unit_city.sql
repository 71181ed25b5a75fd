-- page: teacher_me
-- roles: teacher
-- grain: aggregate
-- params: school_year_id
-- benchmark: true
-- suppress: others; fixed: level, area; values: mean_score, respondents
-- M5 for the user: their own answers by area (scoped_competence_survey keeps staff_id only for the
-- user's own answers), their unit's mean and the city's. The user is one of the respondents and
-- knows their own score, so a mean needs at least the threshold of respondents *besides* the user
-- (`others`; docs/SUPPRESSION.md, "Someone who is one of the respondents"): at exactly T with the
-- user, (T × mean − own) / (T − 1) would be the mean of T − 1 colleagues.
with own as (
    select c.unit_id, c.area, avg(c.score) as mean_score
    from scoped_competence_survey c
    where c.school_year_id = $school_year_id and c.staff_id = getvariable('scope_staff')
    group by all
), own_unit as (
    select distinct unit_id from own
)
select 'own' as level, area, null::integer as respondents, null::integer as others, mean_score::double as mean_score
from own
union all
select 'unit', b.area, b.respondents::integer, (b.respondents - case when o.area is null then 0 else 1 end)::integer,
       (b.score_sum / b.answers)::double
from bench_competence_by_unit b join own_unit using (unit_id)
left join own o on o.unit_id = b.unit_id and o.area = b.area
where b.school_year_id = $school_year_id
union all
select 'city', b.area, sum(b.respondents)::integer,
       (sum(b.respondents) - case when b.area in (select area from own) then 1 else 0 end)::integer,
       (sum(b.score_sum) / sum(b.answers))::double
from bench_competence_by_area b
where b.school_year_id = $school_year_id and exists (select 1 from own)
group by b.area
order by area, level
