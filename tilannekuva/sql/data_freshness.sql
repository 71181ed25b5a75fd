-- page: all (data-as-of caption), admin_status, admin_loads
-- roles: sector_lead, principal, teacher, admin
-- grain: aggregate
-- params:
-- Each source's data-as-of date, when it was loaded and how many rows it holds.
select source, data_as_of, loaded_at, row_count from scoped_meta_source order by source
