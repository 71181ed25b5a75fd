-- Scope views: the only relations query files may read (checked by tilannekuva.queries). This file does
-- scope only: it filters rows by the user's scope and marks suppression; the metric model (M1–M6 parts,
-- M3 per year) is computed at load time (tilannekuva.aggregates), never here (tests/unit/test_scope_views.py).
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

-- M3 as the metric counts it (people, not accounts; complete months only) per school year × unit × user
-- type: agg_eservice_year, built at load time (tilannekuva.aggregates.build_eservice_year).
create or replace temp view scoped_eservice_year as
select y.* from agg_eservice_year y where y.unit_id in (select unit_id from scoped_unit);

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

-- Strategy metrics M1–M6 as additive parts (num / den) per unit and school year: agg_metric_parts, built
-- at load time from the catalogue's SQL (tilannekuva/catalogue/parts/<metric>.sql, tilannekuva.metric_parts).
-- scoped_metric_parts keeps the units in scope, bench_metric_parts sums every unit by sector (no unit, no
-- person: a benchmark). num_to_date: a cumulative metric's (M1, M6) num on the day of its school year
-- matching the data-as-of date, so an unfinished year compares with last year on the same date.

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
from agg_metric_parts p join dim_unit u using (unit_id)
left join viewer_metric_answers v using (metric, school_year_id, unit_id)
where p.unit_id in (select unit_id from scoped_unit);

create or replace temp view bench_metric_parts as
select p.metric, p.school_year_id, u.sector, sum(p.num) as num, sum(p.den) as den, sum(p.events) as events,
       sum(p.num_to_date) as num_to_date,
       sum(coalesce(v.answers, 0)) as viewer_events,
       case when p.metric in ('M2', 'M5')
            then getvariable('app_threshold') else 0 end as hide_below
from agg_metric_parts p join dim_unit u using (unit_id)
left join viewer_metric_answers v using (metric, school_year_id, unit_id)
group by all;

-- Competence survey benchmark: every unit's answers by school year, sector and area (no unit, no person;
-- agg_competence_by_area, built at load time like every bench_ rollup below: tilannekuva.aggregates).
create or replace temp view bench_competence_by_area as
select b.* from agg_competence_by_area b;

-- Training feedback benchmark: every answer by training (no unit, no person).
create or replace temp view bench_training_feedback as
select b.* from agg_training_feedback b;

-- Assessment benchmark: grade sums per unit, term and subject over every unit (pupil-derived: queries
-- reading it are marked benchmark, so small cells are always suppressed).
create or replace temp view bench_assessment_by_unit as
select b.* from agg_assessment_by_unit b;

-- Competence survey per unit (no person): for a teacher's "my answers against my unit" (suppressed).
create or replace temp view bench_competence_by_unit as
select b.* from agg_competence_by_unit b;

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
