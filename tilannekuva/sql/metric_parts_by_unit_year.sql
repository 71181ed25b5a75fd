-- page: sector_scorecard, sector_metric, sector_units
-- grain: aggregate
-- params:
-- The strategy metrics M1–M6 per unit and school year as additive parts: value = num / den at any
-- level (unit, district, sector, city) after summing num and den. `events` counts what the value
-- rests on (staff, answers, sign-in months, conversations). Staff metrics only: no pupil counts.
with m1 as (        -- training reach: trained staff / employed staff
    select 'M1' as metric, school_year_id, unit_id, trained::double as num, staff::double as den, staff::bigint as events
    from scoped_agg_training_reach
), m2 as (          -- training feedback: mean rating 1–5
    select 'M2', t.school_year_id, f.unit_id, sum(f.rating)::double, count(*)::double, count(*)
    from scoped_training_feedback f join scoped_training t using (training_id)
    group by all
), e_months as (    -- months with sign-in data in each school year (the denominator's months)
    select y.school_year_id, count(distinct m.month) as months
    from scoped_eservice_monthly m join scoped_school_year y on m.month between y.starts_on and y.ends_on
    group by all
), e_active as (
    select y.school_year_id, m.unit_id, sum(m.active_users) as active
    from scoped_eservice_monthly m join scoped_school_year y on m.month between y.starts_on and y.ends_on
    group by all
), m3 as (          -- e-service activation: active user-months / eligible user-months
    select 'M3', e.school_year_id, e.unit_id, coalesce(a.active, 0)::double, (sum(e.eligible_users) * mo.months)::double,
           sum(e.eligible_users)::bigint
    from scoped_eservice_eligible e
    join e_months mo using (school_year_id)
    left join e_active a using (school_year_id, unit_id)
    group by e.school_year_id, e.unit_id, a.active, mo.months
), d_months as (
    select y.school_year_id, count(distinct d.month) as months
    from scoped_dashboard_use d join scoped_school_year y on d.month between y.starts_on and y.ends_on
    group by all
), d_users as (
    select y.school_year_id, d.unit_id, count(*) as user_months
    from scoped_dashboard_use d join scoped_school_year y on d.month between y.starts_on and y.ends_on
    where d.page_views > 0
    group by all
), m4 as (          -- dashboard use: leaders' and teachers' user-months with use / eligible user-months
    select 'M4', e.school_year_id, e.unit_id, coalesce(u.user_months, 0)::double, (count(*) * mo.months)::double,
           count(*)::bigint
    from scoped_employment e
    join scoped_staff s using (staff_id)
    join d_months mo using (school_year_id)
    left join d_users u using (school_year_id, unit_id)
    where s.staff_group in ('rehtori', 'opettaja', 'varhaiskasvatuksen_opettaja', 'erityisopettaja')
    group by e.school_year_id, e.unit_id, u.user_months, mo.months
), m5 as (          -- digital competence: mean score 1–5 over the six DigCompEdu areas
    select 'M5', school_year_id, unit_id, sum(score)::double, count(*)::double, count(distinct response_id)
    from scoped_competence_survey
    where area not like 'ymparisto%'
    group by all
), m6 as (          -- service-design conversations: units with at least one in the year / units
    select 'M6', y.school_year_id, u.unit_id, (count(c.conversation_id) > 0)::integer::double, 1.0,
           count(c.conversation_id)
    from scoped_unit u cross join scoped_school_year y
    left join scoped_service_design_conversation c on c.unit_id = u.unit_id and c.school_year_id = y.school_year_id
    group by all
), parts as (
    select * from m1 union all select * from m2 union all select * from m3
    union all select * from m4 union all select * from m5 union all select * from m6
)
select p.metric, p.school_year_id, p.unit_id, u.name as unit, u.sector, u.district_id, u.language,
       p.num, p.den, p.events
from parts p join scoped_unit u using (unit_id)
order by p.metric, p.school_year_id, p.unit_id
