-- M6 service-design conversations (catalogue: metrics.yaml, M6): every unit × school year, num = 1 if the
-- unit held at least one conversation in the year, den = 1 (so a total = units with one / units),
-- events = conversations; num_to_date = 1 if it held one by the year's day matching the data-as-of date
-- (agg_year_to_date: cumulative).
select y.school_year_id, u.unit_id, (count(c.conversation_id) > 0)::integer::double as num, 1.0::double as den,
       count(c.conversation_id) as events,
       (count(c.conversation_id) filter (where c.held_on <= d.to_date) > 0)::integer::double as num_to_date
from dim_unit u cross join dim_school_year y
left join fct_service_design_conversation c on c.unit_id = u.unit_id and c.school_year_id = y.school_year_id
left join agg_year_to_date d on d.school_year_id = y.school_year_id
group by all
