-- page: sector_units, sector_overview, sector_support, sector_metric, sector_scorecard, admin_users
-- roles: sector_lead, admin
-- grain: aggregate
-- params:
-- Every unit in scope with its sector, district (names in both languages) and language.
select u.unit_id, u.name, u.sector, u.language, u.district_id, d.name_fi as district_fi, d.name_sv as district_sv
from scoped_unit u join scoped_district d using (district_id)
order by u.name
