-- page: principal_unit
-- grain: aggregate
-- params: unit_id
-- M1 for one unit beside its sector and the whole city, every school year. A unit outside the
-- user's scope returns no rows at all (scoped_unit does not hold it).
with unit as (
    select unit_id, sector from scoped_unit where unit_id = $unit_id
), unit_rows as (
    select r.school_year_id, 'unit' as level, r.staff, r.trained
    from scoped_agg_training_reach r join unit using (unit_id)
), sector_rows as (
    select b.school_year_id, 'sector' as level, b.staff, b.trained
    from bench_training_reach b join unit using (sector)
), city_rows as (
    select b.school_year_id, 'city' as level, sum(b.staff) as staff, sum(b.trained) as trained
    from bench_training_reach b where exists (select 1 from unit)
    group by b.school_year_id
)
select y.school_year_id, y.label as school_year, y.is_current, r.level,
       r.staff::integer as staff, r.trained::integer as trained, r.trained / nullif(r.staff, 0) as share
from (select * from unit_rows union all select * from sector_rows union all select * from city_rows) r
join scoped_school_year y using (school_year_id)
order by y.school_year_id, case r.level when 'unit' then 1 when 'sector' then 2 else 3 end
