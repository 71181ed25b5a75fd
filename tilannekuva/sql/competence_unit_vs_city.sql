-- page: principal_staff
-- roles: principal
-- grain: aggregate
-- params: unit_id, school_year_id
-- benchmark: true
-- suppress: respondents; fixed: level, area; values: mean_score
-- M5 by DigCompEdu area and environment item: the unit's mean (never an individual's answers; hidden
-- when fewer than the threshold answered), its sector's and the city's.
with unit as (
    select unit_id, sector from scoped_unit where unit_id = $unit_id
), unit_rows as (
    select 'unit' as level, c.area, sum(c.score) as score_sum, count(*) as answers,
           count(distinct c.response_id) as respondents
    from scoped_competence_survey c join unit using (unit_id)
    where c.school_year_id = $school_year_id
    group by c.area
), sector_rows as (
    select 'sector', b.area, sum(b.score_sum), sum(b.answers), sum(b.respondents)
    from bench_competence_by_area b join unit using (sector)
    where b.school_year_id = $school_year_id
    group by b.area
), city_rows as (
    select 'city', b.area, sum(b.score_sum), sum(b.answers), sum(b.respondents)
    from bench_competence_by_area b
    where b.school_year_id = $school_year_id and exists (select 1 from unit)
    group by b.area
)
select level, area, respondents::integer as respondents, (score_sum / answers)::double as mean_score
from (select * from unit_rows union all select * from sector_rows union all select * from city_rows)
order by area, case level when 'unit' then 1 when 'sector' then 2 else 3 end
