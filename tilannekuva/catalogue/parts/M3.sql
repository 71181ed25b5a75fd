-- M3 e-service activation (catalogue: metrics.yaml, M3): people, not accounts. Per unit and school year,
-- num = Σ over the year's complete months of the people active in any service, den = people with access ×
-- complete months (so num / den = the monthly mean share), events = people with access; all user types.
-- From agg_eservice_year (tilannekuva.aggregates, rebuilt just before); a year with no complete month
-- has no row. Not cumulative: num_to_date null.
select school_year_id, unit_id, sum(active_months)::double as num, (sum(people) * months)::double as den,
       sum(people)::bigint as events, null::double as num_to_date
from agg_eservice_year
where months > 0
group by school_year_id, unit_id, months
