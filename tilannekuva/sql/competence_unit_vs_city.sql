-- page: principal_staff
-- roles: principal
-- grain: aggregate
-- params: unit_id, school_year_id
-- benchmark: true
-- suppress: others; fixed: level, area; values: mean_score, respondents
-- M5 by DigCompEdu area and environment item: the unit's mean (never an individual's answers), its
-- sector's and the city's. A mean is hidden unless at least the threshold of people besides the
-- viewer answered (`others`): a principal who answered knows their own score, and at exactly T
-- respondents (T × mean − own) / (T − 1) is the mean of T − 1 colleagues (docs/SUPPRESSION.md).
-- scoped_competence_survey keeps staff_id only on the viewer's own answers.
with unit as (
    select unit_id, sector from scoped_unit where unit_id = $unit_id
), mine as (          -- the areas the viewer answered this year (in any unit of their scope)
    select distinct c.area from scoped_competence_survey c
    where c.school_year_id = $school_year_id and c.staff_id = getvariable('scope_staff')
), unit_rows as (
    select 'unit' as level, c.area, sum(c.score) as score_sum, count(*) as answers,
           count(distinct c.response_id) as respondents,
           count(distinct c.response_id) filter (where c.staff_id is null) as others
    from scoped_competence_survey c join unit using (unit_id)
    where c.school_year_id = $school_year_id
    group by c.area
), sector_rows as (
    select 'sector', b.area, sum(b.score_sum), sum(b.answers), sum(b.respondents),
           sum(b.respondents) - case when b.area in (select area from mine) then 1 else 0 end
    from bench_competence_by_area b join unit using (sector)
    where b.school_year_id = $school_year_id
    group by b.area
), city_rows as (
    select 'city', b.area, sum(b.score_sum), sum(b.answers), sum(b.respondents),
           sum(b.respondents) - case when b.area in (select area from mine) then 1 else 0 end
    from bench_competence_by_area b
    where b.school_year_id = $school_year_id and exists (select 1 from unit)
    group by b.area
)
select level, area, respondents::integer as respondents, others::integer as others,
       (score_sum / answers)::double as mean_score
from (select * from unit_rows union all select * from sector_rows union all select * from city_rows)
order by area, case level when 'unit' then 1 when 'sector' then 2 else 3 end
