-- page: sector_overview, sector_scorecard, sector_metric, sector_support, sector_units, principal_unit, principal_staff, principal_support, principal_eservices, teacher_groups, teacher_watch, teacher_me
-- roles: sector_lead, principal, teacher
-- grain: aggregate
-- params:
-- The school years in the warehouse, newest first.
select school_year_id, label, is_current, starts_on, ends_on from scoped_school_year order by school_year_id desc
