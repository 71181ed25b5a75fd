-- page: all
-- roles: sector_lead, principal, teacher, admin
-- grain: aggregate
-- params:
-- The school years in the warehouse, newest first.
select school_year_id, label, is_current, starts_on, ends_on from scoped_school_year order by school_year_id desc
