-- page: sector_overview, sector_scorecard, sector_units, principal_unit
-- roles: sector_lead, principal
-- grain: aggregate
-- params:
-- published: pub_metric_hidden
-- The strategy metrics M1–M6 per unit in scope and school year as additive parts: value = num / den
-- at any level (unit, district, sector, city) after summing num and den; num_to_date the cumulative
-- metrics' num on the same date of each year. `events` counts what the
-- value rests on (staff, answers, users with access, conversations). Staff metrics only. The parts
-- are defined once, in tilannekuva/catalogue/parts/<metric>.sql, and built at load time into
-- agg_metric_parts (tilannekuva.metric_parts); the catalogue (metrics.yaml) has the definitions.
-- M2 and M5 rest on staff answers: is_suppressed marks a unit whose value is hidden, hidden_totals
-- the hidden totals it is part of; viewer_events the viewer's own answers among `events`
-- (tilannekuva.metrics.rollup applies all three; see _scope.sql).
select p.metric, p.school_year_id, p.unit_id, u.name as unit, u.sector, u.district_id, u.language,
       p.num, p.den, p.events, p.num_to_date, p.is_suppressed, p.hidden_totals, p.hide_below, p.viewer_events
from scoped_metric_parts p join scoped_unit u using (unit_id)
order by p.metric, p.school_year_id, p.unit_id
