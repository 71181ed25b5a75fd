-- page: principal_eservices
-- roles: principal
-- grain: aggregate
-- params: unit_id
-- M3 for one unit by school year and user type, as the metric counts it (agg_eservice_year, built at load time):
-- the people active in any service summed over the complete months, the people with access, the months
-- counted and the partial month left out (aggregates of the source systems' sign-ins; no person).
select school_year_id, user_type, active_months, people::integer as people, months, first_month, last_month,
       partial_month, data_as_of
from scoped_eservice_year
where unit_id = $unit_id
order by school_year_id, user_type
