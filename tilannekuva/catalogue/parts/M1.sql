-- M1 training reach (catalogue: metrics.yaml, M1): per unit and school year, num = staff trained in the
-- school year, den = staff employed, events = staff; num_to_date = staff trained by the year's day
-- matching the data-as-of date (cumulative). From agg_training_reach, rebuilt just before.
select school_year_id, unit_id, trained::double as num, staff::double as den, staff::bigint as events,
       trained_to_date::double as num_to_date
from agg_training_reach
