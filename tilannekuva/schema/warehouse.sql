-- Tilannekuva warehouse schema, version 6 (tilannekuva.warehouse.SCHEMA_VERSION). The data model is documented in docs/DATA_MODEL.md.
-- Version 2 dropped DuckDB foreign keys: DuckDB cannot update a referenced dimension row's indexed
-- columns (a unit moving district failed), so references are enforced by the source contracts at
-- load time (tilannekuva/ingest/contracts.py, `ref=`), where a broken one gets file, row and column.
-- Layers (dbt naming): stg_<source>__<entity> = exports as delivered, dim_/fct_/brg_ = the model,
-- agg_ = rollups the pages read, meta_ = schema version and data freshness.
-- Version 6 materialises the metric model at load time: agg_eservice_year and agg_metric_parts (one
-- SELECT per metric in tilannekuva/catalogue/parts/) and the benchmark rollups (agg_competence_by_unit,
-- agg_competence_by_area, agg_training_feedback, agg_assessment_by_unit), so the scope views only filter
-- and mark.

create table meta_schema_version (
    version integer primary key,
    applied_at timestamp not null
);

create table meta_source (
    source varchar primary key,          -- e.g. 'koulutusrekisteri', 'wilma', 'primus'
    data_as_of date not null,            -- the last day the source's data covers
    loaded_at timestamp not null,
    row_count bigint not null
);

create table dim_school_year (
    school_year_id integer primary key,  -- the calendar year the school year starts: 2026 = 2026–2027
    label varchar not null,              -- '2026–2027'
    starts_on date not null,             -- 1 Aug
    ends_on date not null,               -- 31 Jul
    is_current boolean not null
);

create table dim_district (
    district_id integer primary key,
    name_fi varchar not null,
    name_sv varchar not null
);

create table dim_unit (
    unit_id integer primary key,
    name varchar not null,               -- in the unit's own language
    language varchar not null check (language in ('fi', 'sv')),
    sector varchar not null check (sector in ('varhaiskasvatus', 'perusopetus', 'lukio')),
    district_id integer not null
);

create table dim_staff (
    staff_id integer primary key,
    first_name varchar not null,
    last_name varchar not null,
    staff_group varchar not null,        -- 'opettaja', 'varhaiskasvatuksen_opettaja', 'erityisopettaja', 'rehtori', 'ohjaaja', 'muu'
    is_leader boolean not null
);

create table fct_employment (            -- grain: staff member × school year (their unit that year)
    school_year_id integer not null,
    staff_id integer not null,
    unit_id integer not null,
    primary key (school_year_id, staff_id)
);

create table dim_group (                 -- a teaching group in one school year
    group_id integer primary key,
    school_year_id integer not null,
    unit_id integer not null,
    name varchar not null,               -- '7B', 'Pienryhmä 2', 'Kotkat'
    grade integer,                       -- 1–9 basic education, 10–12 upper secondary, null ECEC
    is_special_class boolean not null
);

create table brg_group_teacher (         -- a group can have several teachers; a teacher several groups
    group_id integer not null,
    staff_id integer not null,
    primary key (group_id, staff_id)
);

create table dim_pupil (
    pupil_id integer primary key,
    first_name varchar not null,
    last_name varchar not null,
    birth_year integer not null,
    language varchar not null check (language in ('fi', 'sv'))
);

create table fct_enrolment (             -- grain: pupil × school year
    school_year_id integer not null,
    pupil_id integer not null,
    group_id integer not null,
    unit_id integer not null,
    primary key (school_year_id, pupil_id)
);

create table dim_training (              -- M1, M2
    training_id integer primary key,
    school_year_id integer not null,
    name varchar not null,
    topic varchar not null check (topic in ('tietosuoja', 'tiedonhallinta', 'digiturvallisuus')),
    held_on date not null,
    hours decimal(4, 1) not null,
    is_mandatory boolean not null
);

create table fct_training_participation ( -- M1; grain: staff member × training
    training_id integer not null,
    staff_id integer not null,
    attended_on date not null,
    primary key (training_id, staff_id)
);

create table fct_training_feedback (     -- M2; anonymous: grain one answer, with the answerer's unit
    feedback_id integer primary key,
    training_id integer not null,
    unit_id integer not null,
    rating integer not null check (rating between 1 and 5),
    answered_on date not null
);

create table stg_eservice__logins (      -- M3 raw; grain: one sign-in event as the source exports it
    logged_in_at timestamp not null,
    service varchar not null,            -- 'wilma', 'teams', 'oppimisalusta', 'sahkoposti', 'vaka_easiointi'
    user_type varchar not null check (user_type in ('henkilosto', 'oppilas', 'huoltaja')),
    user_key varchar not null,           -- the source system's pseudonymous user id
    unit_id integer not null
);

create table agg_eservice_monthly (      -- M3; grain: month × service × user type × unit
    month date not null,
    service varchar not null,
    user_type varchar not null,
    unit_id integer not null,
    active_users integer not null,
    logins bigint not null,
    primary key (month, service, user_type, unit_id)
);

create table agg_eservice_eligible (     -- M3 denominator; grain: school year × service × user type × unit
    school_year_id integer not null,
    service varchar not null,
    user_type varchar not null,
    unit_id integer not null,
    eligible_users integer not null,
    primary key (school_year_id, service, user_type, unit_id)
);

create table fct_dashboard_use (         -- M4; grain: month × user; fed by Tilannekuva's access log
    month date not null,
    username varchar not null,
    role varchar not null,
    unit_id integer,
    page_views integer not null,
    source varchar not null,             -- 'access_log' or 'demo'
    primary key (month, username)
);

create table fct_competence_survey (     -- M5; grain: answer × item
    response_id integer not null,
    school_year_id integer not null,
    staff_id integer not null,
    unit_id integer not null,
    area varchar not null,               -- DigCompEdu area 1–6 or an environment item
    score integer not null check (score between 1 and 5),
    primary key (response_id, area)
);

create table fct_service_design_conversation ( -- M6; grain: one conversation
    conversation_id integer primary key,
    school_year_id integer not null,
    unit_id integer not null,
    theme varchar not null,
    held_on date not null,
    participants integer not null check (participants > 0)
);

create table fct_absence (               -- S1; grain: pupil × month
    school_year_id integer not null,
    month date not null,
    pupil_id integer not null,
    group_id integer not null,
    unit_id integer not null,
    absence_hours decimal(6, 1) not null check (absence_hours >= 0),
    unexcused_hours decimal(6, 1) not null check (unexcused_hours >= 0),
    primary key (month, pupil_id)
);

create table fct_support_decision (      -- S2; grain: one support decision or measure
    decision_id integer primary key,
    pupil_id integer not null,
    unit_id integer not null,
    school_year_id integer not null,
    regime varchar not null check (regime in ('ennen_2025', 'alkaen_2025')),
    support_level varchar not null,      -- before: yleinen/tehostettu/erityinen; after: ryhmakohtainen/oppilaskohtainen
    support_form varchar not null,       -- e.g. 'tehostettu_tuki', 'tukiopetus', 'erityisopetus_pienryhmassa'
    valid_from date not null,
    valid_to date
);

create table fct_assessment (            -- S3; grain: pupil × subject × term
    school_year_id integer not null,
    term varchar not null check (term in ('syksy', 'kevat')),
    pupil_id integer not null,
    group_id integer not null,
    unit_id integer not null,
    subject varchar not null,
    grade integer not null check (grade between 4 and 10),
    primary key (school_year_id, term, pupil_id, subject)
);

create table agg_training_reach (        -- M1 rollup; grain: school year × unit (staff counts, no pupils)
    school_year_id integer not null,
    unit_id integer not null,
    staff integer not null,
    trained integer not null,
    trained_to_date integer not null,    -- trained by the day matching the data-as-of date (agg_year_to_date)
    primary key (school_year_id, unit_id)
);

create table agg_year_to_date (          -- each school year's day matching the data-as-of date (tilannekuva.periods)
    school_year_id integer primary key,
    to_date date not null                -- 20.11.2025 for 2025 when the data end on 20.11.2026
);

create table agg_eservice_year (         -- M3 as the metric counts it; grain: school year × unit × user type
    school_year_id integer not null,
    unit_id integer not null,
    user_type varchar not null,
    active_months bigint not null,       -- Σ over the year's complete months of the people active in any service
    people bigint not null,              -- people with an account in any service ('kaikki' of agg_eservice_eligible)
    months integer not null,             -- the year's complete months with sign-in data
    first_month date,
    last_month date,
    partial_month date,                  -- the month the sign-ins' data end in, left out (null: none)
    data_as_of date,                     -- the sign-ins' data-as-of date
    primary key (school_year_id, unit_id, user_type)
);

create table agg_metric_parts (          -- the catalogue's materialised metrics (M1–M6) as additive parts
    metric varchar not null,             -- catalogue id; its SELECT: tilannekuva/catalogue/parts/<metric>.sql
    school_year_id integer not null,
    unit_id integer not null,
    num double not null,                 -- value = Σ num / Σ den at any level (unit, district, sector, city)
    den double not null,
    events bigint not null,              -- what the value rests on (staff, answers, people, conversations)
    num_to_date double,                  -- a cumulative metric's num by the year's same date (null: not cumulative)
    primary key (metric, school_year_id, unit_id)
);

-- Benchmark rollups (tilannekuva.aggregates.build_benchmarks): every unit's staff answers and grades summed,
-- no person; read through bench_* views and always suppressed per result (a benchmark).
create table agg_competence_by_unit (    -- M5 benchmark; grain: school year × unit × area (environment items too)
    school_year_id integer not null,
    unit_id integer not null,
    area varchar not null,
    score_sum bigint not null,
    answers bigint not null,
    respondents bigint not null,
    primary key (school_year_id, unit_id, area)
);

create table agg_competence_by_area (    -- M5 benchmark; grain: school year × sector × area
    school_year_id integer not null,
    sector varchar not null,
    area varchar not null,
    score_sum bigint not null,
    answers bigint not null,
    respondents bigint not null,
    primary key (school_year_id, sector, area)
);

create table agg_training_feedback (     -- M2 benchmark; grain: training (every unit's answers)
    training_id integer primary key,
    rating_sum bigint not null,
    answers bigint not null
);

create table agg_assessment_by_unit (    -- S3 benchmark (pupil-derived); grain: school year × term × unit × subject
    school_year_id integer not null,
    term varchar not null,
    unit_id integer not null,
    subject varchar not null,
    pupils bigint not null,
    grade_sum bigint not null,
    grades bigint not null,
    primary key (school_year_id, term, unit_id, subject)
);

-- Publication cubes (tilannekuva.publication): pupil-derived tables as aggregate-only roles see them,
-- suppressed once over every dimension a page can filter by. Null in a dimension = its total; a hidden
-- cell has null counts and is_suppressed = true (its value is not stored). Rebuilt by every load.
create table pub_pupils (                -- grain: school year × sector × district × language (null = all)
    school_year_id integer not null,
    sector varchar,
    district_id integer,
    language varchar,
    pupils integer,
    is_suppressed boolean not null
);

create table pub_absence_thresholds (    -- S1; grain: school year × term × threshold × district × language × unit
    school_year_id integer not null,
    term varchar not null,
    threshold varchar not null,          -- 'huoli' (concern) or 'vakava' (serious)
    threshold_hours double not null,     -- the hours the cube was built with (settings at load time)
    district_id integer,
    language varchar,
    unit_id integer,                     -- null = a district, language or city total
    pupils integer,                      -- pupils whose absences in the term reach the threshold
    enrolled integer,                    -- pupils with absence records in the term
    share double,
    is_suppressed boolean not null
);

create table pub_support (               -- S2; grain: school year × regime × level × district × language × unit
    school_year_id integer not null,
    regime varchar not null,
    support_level varchar not null,
    district_id integer,
    language varchar,
    unit_id integer,
    pupils integer,                      -- enrolled basic-education pupils with the level in force
    enrolled integer,
    share double,
    is_suppressed boolean not null
);

create table pub_metric_hidden (         -- M2 / M5 (staff answers): the cells hidden that year
    metric varchar not null,
    school_year_id integer not null,
    sector varchar,                      -- null = all (a total)
    district_id integer,
    language varchar,
    unit_id integer                      -- null = a sector × district × language total
);

create table pub_feedback_topics (       -- M2 per training topic, protected with pub_metric_hidden's M2
    school_year_id integer not null,
    topic varchar not null,
    sector varchar,                      -- null = all (a total)
    district_id integer,
    language varchar,
    answers integer,                     -- null when hidden
    rating_sum integer,                  -- null when hidden
    is_suppressed boolean not null
);

create table meta_publication (          -- how each cube was built: threshold, cells, hidden cells, seconds
    cube varchar primary key,
    threshold integer not null,
    cells integer not null,
    hidden integer not null,
    primary_hidden integer not null,
    seconds double not null,
    built_at timestamp not null
);

insert into meta_schema_version values (6, current_timestamp);
