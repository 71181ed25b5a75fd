-- M4 dashboard use (catalogue: metrics.yaml, M4): per unit and school year, num = user-months with
-- Tilannekuva use (page views > 0) in the unit, den = leaders', principals' and teachers' employments ×
-- the school year's months with use data, events = those employments. Not cumulative: num_to_date null.
with d_months as (
    select y.school_year_id, count(distinct d.month) as months
    from fct_dashboard_use d join dim_school_year y on d.month between y.starts_on and y.ends_on
    group by all
), d_users as (
    select y.school_year_id, d.unit_id, count(*) as user_months
    from fct_dashboard_use d join dim_school_year y on d.month between y.starts_on and y.ends_on
    where d.page_views > 0
    group by all
)
select e.school_year_id, e.unit_id, coalesce(u.user_months, 0)::double as num, (count(*) * mo.months)::double as den,
       count(*)::bigint as events, null::double as num_to_date
from fct_employment e
join dim_staff s using (staff_id)
join d_months mo using (school_year_id)
left join d_users u using (school_year_id, unit_id)
where s.staff_group in ('rehtori', 'opettaja', 'varhaiskasvatuksen_opettaja', 'erityisopettaja')
group by e.school_year_id, e.unit_id, u.user_months, mo.months
