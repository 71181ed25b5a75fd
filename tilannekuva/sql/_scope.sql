-- Scope views: the only relations query files may read (checked by tilannekuva.queries).
-- warehouse.fetch sets these variables on a fresh cursor before running this script:
--   scope_all boolean, scope_units integer[], scope_staff integer (nullable), pupil_rows boolean,
--   app_threshold integer (the app's suppression_threshold).
-- scoped_* = rows inside the user's scope; bench_* = city/sector aggregates with no person in them.

-- Reference data, not personal: every role reads all of it.
create or replace temp view scoped_school_year as select * from dim_school_year;
create or replace temp view scoped_district as select * from dim_district;
create or replace temp view scoped_training as select * from dim_training;
create or replace temp view scoped_meta_source as select * from meta_source;
create or replace temp view scoped_all_unit as select unit_id, name, language, sector, district_id from dim_unit;

-- Groups: all (scope all), the groups of the user's units, or the groups the user's staff member teaches.
create or replace temp view scoped_group as
select g.*
from dim_group g
where getvariable('scope_all')
   or list_contains(getvariable('scope_units'), g.unit_id)
   or g.group_id in (select t.group_id from brg_group_teacher t where t.staff_id = getvariable('scope_staff'));

create or replace temp view scoped_group_teacher as
select t.* from brg_group_teacher t where t.group_id in (select group_id from scoped_group);

-- Units: all, the user's units, or the units the user's staff member works or teaches in.
create or replace temp view scoped_unit as
select u.*
from dim_unit u
where getvariable('scope_all')
   or list_contains(getvariable('scope_units'), u.unit_id)
   or u.unit_id in (select e.unit_id from fct_employment e where e.staff_id = getvariable('scope_staff'))
   or u.unit_id in (select g.unit_id from scoped_group g);

-- Staff: all, everyone employed in the user's units, or only the user's own staff record.
create or replace temp view scoped_employment as
select e.*
from fct_employment e
where getvariable('scope_all')
   or list_contains(getvariable('scope_units'), e.unit_id)
   or e.staff_id = getvariable('scope_staff');

create or replace temp view scoped_staff as
select s.* from dim_staff s where s.staff_id in (select staff_id from scoped_employment);

create or replace temp view scoped_training_participation as
select p.* from fct_training_participation p where p.staff_id in (select staff_id from scoped_staff);

create or replace temp view scoped_training_feedback as
select f.* from fct_training_feedback f where f.unit_id in (select unit_id from scoped_unit);

create or replace temp view scoped_agg_training_reach as
select r.* from agg_training_reach r where r.unit_id in (select unit_id from scoped_unit);

-- Competence survey: a staff member's own answers keep their staff_id; everyone else's are anonymous.
create or replace temp view scoped_competence_survey as
select c.response_id, c.school_year_id,
       case when c.staff_id = getvariable('scope_staff') then c.staff_id end as staff_id,
       c.unit_id, c.area, c.score
from fct_competence_survey c
where c.unit_id in (select unit_id from scoped_unit);

create or replace temp view scoped_service_design_conversation as
select c.* from fct_service_design_conversation c where c.unit_id in (select unit_id from scoped_unit);

create or replace temp view scoped_eservice_monthly as
select m.* from agg_eservice_monthly m where m.unit_id in (select unit_id from scoped_unit);

create or replace temp view scoped_eservice_eligible as
select e.* from agg_eservice_eligible e where e.unit_id in (select unit_id from scoped_unit);

-- M3, the one definition (docs/DATA_MODEL.md), per school year × unit × user type: PEOPLE, not accounts.
-- active_months = Σ over the year's complete months of the people who signed in to any service that month
-- (agg_eservice_monthly's 'kaikki' rows); people = the people with an account in any service (the
-- identity export's 'kaikki' rows); share = active_months / (people × months) = the monthly mean of
-- active people / people with access. Complete months only: a month whose last day is after the
-- sign-ins' data date is partial and left out (its few days would read as a drop), and said so.
-- Not readable by queries (no prefix): scoped_eservice_year keeps the units in scope.
create or replace temp view eservice_year_all as
with data_date as (
    select max(data_as_of) as data_as_of from meta_source where source = 'kirjautumiset'
), month_in_year as (
    select distinct y.school_year_id, m.month, last_day(m.month) <= d.data_as_of as complete
    from agg_eservice_monthly m join dim_school_year y on m.month between y.starts_on and y.ends_on
    cross join data_date d
    where m.service = 'kaikki'
), counted as (
    select school_year_id, count(*) filter (where complete) as months,
           min(month) filter (where complete) as first_month, max(month) filter (where complete) as last_month,
           max(month) filter (where not complete) as partial_month
    from month_in_year group by all
), active as (
    select mo.school_year_id, m.unit_id, m.user_type, sum(m.active_users) as active_months
    from agg_eservice_monthly m join month_in_year mo on mo.month = m.month and mo.complete
    where m.service = 'kaikki'
    group by all
)
select e.school_year_id, e.unit_id, e.user_type, coalesce(a.active_months, 0)::bigint as active_months,
       e.eligible_users::bigint as people, c.months::integer as months, c.first_month, c.last_month,
       c.partial_month, (select data_as_of from data_date) as data_as_of
from agg_eservice_eligible e
join counted c using (school_year_id)
left join active a using (school_year_id, unit_id, user_type)
where e.service = 'kaikki';

create or replace temp view scoped_eservice_year as
select y.* from eservice_year_all y where y.unit_id in (select unit_id from scoped_unit);

create or replace temp view scoped_dashboard_use as
select d.* from fct_dashboard_use d
where getvariable('scope_all') or list_contains(getvariable('scope_units'), d.unit_id);

-- Pupils: enrolments, absences, assessments and support through the groups in scope.
create or replace temp view scoped_enrolment as
select e.* from fct_enrolment e where e.group_id in (select group_id from scoped_group);

-- Names only for roles that may see named pupils; for the others this view is empty.
create or replace temp view scoped_pupil as
select p.* from dim_pupil p
where getvariable('pupil_rows') and p.pupil_id in (select pupil_id from scoped_enrolment);

create or replace temp view scoped_absence as
select a.* from fct_absence a where a.group_id in (select group_id from scoped_group);

create or replace temp view scoped_assessment as
select a.* from fct_assessment a where a.group_id in (select group_id from scoped_group);

create or replace temp view scoped_support_decision as
select d.* from fct_support_decision d
where exists (select 1 from scoped_enrolment e
              where e.school_year_id = d.school_year_id and e.pupil_id = d.pupil_id);

-- Warehouse statistics for the admin: table names and row counts, no contents.
create or replace temp view scoped_warehouse_table as
select table_name, estimated_size as row_count
from duckdb_tables()
where getvariable('scope_all') and database_name = current_database() and schema_name = 'main';

-- Benchmarks: city and sector aggregates of staff metrics, readable by every role.
create or replace temp view bench_training_reach as
select r.school_year_id, u.sector, sum(r.staff) as staff, sum(r.trained) as trained
from agg_training_reach r join dim_unit u using (unit_id)
group by all;

-- Strategy metrics M1–M6 as additive parts (num / den) per unit and school year, for every unit:
-- not readable by queries (no scoped_/bench_ prefix); scoped_metric_parts keeps the units in
-- scope, bench_metric_parts sums every unit by sector (no unit, no person: a benchmark).
-- num_to_date: a cumulative metric's (M1, M6) num on the day of its school year matching the data-as-of
-- date (agg_year_to_date, built at load time; tilannekuva.periods), so an unfinished year compares with
-- last year on the same date. Null for the rates and means (M2–M5: a part of a year is comparable as it is).
create or replace temp view metric_parts_all as
with m1 as (        -- training reach: trained staff / employed staff
    select 'M1' as metric, school_year_id, unit_id, trained::double as num, staff::double as den, staff::bigint as events,
           trained_to_date::double as num_to_date
    from agg_training_reach
), m2 as (          -- training feedback: mean rating 1–5
    select 'M2', t.school_year_id, f.unit_id, sum(f.rating)::double, count(*)::double, count(*), null::double
    from fct_training_feedback f join dim_training t using (training_id)
    group by all
), m3 as (          -- e-service activation: people active in any service, monthly mean / people with access
    select 'M3', school_year_id, unit_id, sum(active_months)::double, (sum(people) * months)::double,
           sum(people)::bigint, null::double
    from eservice_year_all
    where months > 0
    group by school_year_id, unit_id, months
), d_months as (
    select y.school_year_id, count(distinct d.month) as months
    from fct_dashboard_use d join dim_school_year y on d.month between y.starts_on and y.ends_on
    group by all
), d_users as (
    select y.school_year_id, d.unit_id, count(*) as user_months
    from fct_dashboard_use d join dim_school_year y on d.month between y.starts_on and y.ends_on
    where d.page_views > 0
    group by all
), m4 as (          -- dashboard use: leaders' and teachers' user-months with use / eligible user-months
    select 'M4', e.school_year_id, e.unit_id, coalesce(u.user_months, 0)::double, (count(*) * mo.months)::double,
           count(*)::bigint, null::double
    from fct_employment e
    join dim_staff s using (staff_id)
    join d_months mo using (school_year_id)
    left join d_users u using (school_year_id, unit_id)
    where s.staff_group in ('rehtori', 'opettaja', 'varhaiskasvatuksen_opettaja', 'erityisopettaja')
    group by e.school_year_id, e.unit_id, u.user_months, mo.months
), m5 as (          -- digital competence: mean score 1–5 over the six DigCompEdu areas
    select 'M5', school_year_id, unit_id, sum(score)::double, count(*)::double, count(distinct response_id), null::double
    from fct_competence_survey
    where area not like 'ymparisto%'
    group by all
), m6 as (          -- service-design conversations: units with at least one in the year / units
    select 'M6', y.school_year_id, u.unit_id, (count(c.conversation_id) > 0)::integer::double, 1.0,
           count(c.conversation_id), (count(c.conversation_id) filter (where c.held_on <= d.to_date) > 0)::integer::double
    from dim_unit u cross join dim_school_year y
    left join fct_service_design_conversation c on c.unit_id = u.unit_id and c.school_year_id = y.school_year_id
    left join agg_year_to_date d on d.school_year_id = y.school_year_id
    group by all
), parts as (
    select * from m1 union all select * from m2 union all select * from m3
    union all select * from m4 union all select * from m5 union all select * from m6
)
select * from parts;

-- M2 and M5 rest on staff answers (pub_metric_hidden, tilannekuva.publication): is_suppressed = the
-- unit's value is hidden; hidden_totals = the sector × district × language totals containing the
-- unit that are hidden, as masks ('s'/'d'/'l' for a dimension set, '-' for all: 'sd-' = the unit's
-- sector in its district, both languages); hide_below = the app's threshold of answers (set by
-- warehouse.fetch from suppression_threshold, never the cube's own: a query reading these marks
-- declares `-- published: pub_metric_hidden`, so a cube built with a lower threshold is refused).
-- The viewer's own M2 / M5 answers per unit and school year (not readable by queries): M5 = their survey
-- response; M2 = the trainings they attended while employed in the unit (feedback is anonymous, so each
-- is counted as an answer they may have given). A figure shown to one of its respondents needs the
-- threshold of answers besides theirs (docs/SUPPRESSION.md): rollup compares events - viewer_events.
create or replace temp view viewer_metric_answers as
select 'M5' as metric, c.school_year_id, c.unit_id, count(distinct c.response_id) as answers
from fct_competence_survey c
where c.staff_id = getvariable('scope_staff') and c.area not like 'ymparisto%'
group by all
union all
select 'M2', t.school_year_id, e.unit_id, count(distinct p.training_id)
from fct_training_participation p
join dim_training t using (training_id)
join fct_employment e on e.staff_id = p.staff_id and e.school_year_id = t.school_year_id
where p.staff_id = getvariable('scope_staff')
group by all;

create or replace temp view scoped_metric_parts as
select p.*, coalesce(v.answers, 0) as viewer_events,
       exists (select 1 from pub_metric_hidden h where h.metric = p.metric and h.school_year_id = p.school_year_id
               and h.unit_id = p.unit_id) as is_suppressed,
       coalesce((select list(case when h.sector is null then '-' else 's' end
                             || case when h.district_id is null then '-' else 'd' end
                             || case when h.language is null then '-' else 'l' end)
                 from pub_metric_hidden h
                 where h.metric = p.metric and h.school_year_id = p.school_year_id and h.unit_id is null
                   and (h.sector is null or h.sector = u.sector) and (h.district_id is null or h.district_id = u.district_id)
                   and (h.language is null or h.language = u.language)), []) as hidden_totals,
       case when p.metric in ('M2', 'M5')
            then getvariable('app_threshold') else 0 end as hide_below
from metric_parts_all p join dim_unit u using (unit_id)
left join viewer_metric_answers v using (metric, school_year_id, unit_id)
where p.unit_id in (select unit_id from scoped_unit);

create or replace temp view bench_metric_parts as
select p.metric, p.school_year_id, u.sector, sum(p.num) as num, sum(p.den) as den, sum(p.events) as events,
       sum(p.num_to_date) as num_to_date,
       sum(coalesce(v.answers, 0)) as viewer_events,
       case when p.metric in ('M2', 'M5')
            then getvariable('app_threshold') else 0 end as hide_below
from metric_parts_all p join dim_unit u using (unit_id)
left join viewer_metric_answers v using (metric, school_year_id, unit_id)
group by all;

-- Competence survey benchmark: every unit's answers by school year, sector and area (no unit, no person).
create or replace temp view bench_competence_by_area as
select c.school_year_id, u.sector, c.area, sum(c.score) as score_sum, count(*) as answers,
       count(distinct c.response_id) as respondents
from fct_competence_survey c join dim_unit u using (unit_id)
group by all;

-- Training feedback benchmark: every answer by training (no unit, no person).
create or replace temp view bench_training_feedback as
select training_id, sum(rating) as rating_sum, count(*) as answers
from fct_training_feedback
group by all;

-- Assessment benchmark: grade sums per unit, term and subject over every unit (pupil-derived: queries
-- reading it are marked benchmark, so small cells are always suppressed).
create or replace temp view bench_assessment_by_unit as
select school_year_id, term, unit_id, subject, count(distinct pupil_id) as pupils, sum(grade) as grade_sum,
       count(*) as grades
from fct_assessment
group by all;

-- Competence survey per unit (no person): for a teacher's "my answers against my unit" (suppressed).
create or replace temp view bench_competence_by_unit as
select school_year_id, unit_id, area, sum(score) as score_sum, count(*) as answers,
       count(distinct response_id) as respondents
from fct_competence_survey
group by all;

-- Publication cubes (tilannekuva.publication): already suppressed once over the whole city, for the
-- sector pages. City-wide tables, so only a city-wide scope reads them; hidden cells are null here.
create or replace temp view scoped_pub_pupils as
select p.* from pub_pupils p where getvariable('scope_all');

create or replace temp view scoped_pub_absence_thresholds as
select p.* from pub_absence_thresholds p where getvariable('scope_all');

create or replace temp view scoped_pub_support as
select p.* from pub_support p where getvariable('scope_all');

create or replace temp view scoped_pub_feedback_topics as
select p.* from pub_feedback_topics p where getvariable('scope_all');
