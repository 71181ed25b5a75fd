-- page: sector_metric
-- roles: sector_lead
-- grain: aggregate
-- params: metric
-- published: pub_metric_hidden
-- One strategy metric's rows of metric_parts_by_unit_year (the same columns, marks and order): the
-- metric page reads the metric it shows, not all six (a sixth of the rows: 15 000 instead of 92 000 at
-- scale 10, issue 21). tests/unit/test_metric_parts_of_metric.py checks they are the same rows.
select p.metric, p.school_year_id, p.unit_id, u.name as unit, u.sector, u.district_id, u.language,
       p.num, p.den, p.events, p.num_to_date, p.is_suppressed, p.hidden_totals, p.hide_below, p.viewer_events
from scoped_metric_parts p join scoped_unit u using (unit_id)
where p.metric = $metric
order by p.metric, p.school_year_id, p.unit_id
