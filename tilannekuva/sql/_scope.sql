-- Scope views: the only relations query files may read (checked by tilannekuva.queries).
-- warehouse.fetch sets these variables on a fresh cursor before running this script:
--   scope_all boolean, scope_units integer[], scope_staff integer (nullable), pupil_rows boolean.
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
