-- page: principal_unit
-- roles: principal
-- grain: aggregate
-- params:
-- The units the user may choose between (a principal's own units), with sector and language.
select u.unit_id, u.name, u.sector, u.language, d.name_fi as district_fi, d.name_sv as district_sv
from scoped_unit u join scoped_district d using (district_id)
order by u.name
