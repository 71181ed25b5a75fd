-- page: sector_overview, sector_scorecard, sector_metric, sector_support, sector_units, principal_unit, principal_staff, principal_support, principal_eservices, admin_users, admin_access_log
-- roles: sector_lead, principal, admin
-- grain: aggregate
-- params:
-- Every unit in scope with its sector, district (names in both languages) and language.
select u.unit_id, u.name, u.sector, u.language, u.district_id, d.name_fi as district_fi, d.name_sv as district_sv
from scoped_unit u join scoped_district d using (district_id)
order by u.name
