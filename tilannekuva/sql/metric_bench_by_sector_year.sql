-- page: principal_unit
-- roles: principal
-- grain: aggregate
-- params:
-- Benchmarks for M1–M6: every unit of the city summed by sector and school year (num, den, events);
-- the city is the sum of the sectors. Readable by every role: no unit and no person in it.
select metric, school_year_id, sector, num::double as num, den::double as den, events::bigint as events,
       num_to_date::double as num_to_date, hide_below,
       viewer_events::bigint as viewer_events
from bench_metric_parts
order by metric, school_year_id, sector
