-- page: admin_status, admin_loads, admin_access_log, sector_overview, sector_scorecard, sector_metric, sector_support, sector_units, principal_unit, principal_staff, principal_support, principal_eservices, teacher_groups, teacher_watch, teacher_me, metric_catalogue
-- roles: sector_lead, principal, teacher, admin
-- grain: aggregate
-- params:
-- Each source's data-as-of date, when it was loaded and how many rows it holds.
select source, data_as_of, loaded_at, row_count from scoped_meta_source order by source
