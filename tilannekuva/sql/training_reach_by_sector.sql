-- page: sector_training_reach
-- grain: aggregate
-- params:
-- M1 training reach: staff who attended information-management, data-protection or
-- digital-security training in the school year, by sector and for the whole city (sector null).
select y.school_year_id, y.label as school_year, y.is_current, u.sector,
       sum(r.staff)::integer as staff, sum(r.trained)::integer as trained,
       sum(r.trained) / nullif(sum(r.staff), 0) as share
from scoped_agg_training_reach r
join scoped_unit u using (unit_id)
join scoped_school_year y using (school_year_id)
group by grouping sets ((y.school_year_id, y.label, y.is_current, u.sector), (y.school_year_id, y.label, y.is_current))
order by y.school_year_id, u.sector nulls first
