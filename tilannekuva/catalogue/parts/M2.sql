-- M2 training feedback (catalogue: metrics.yaml, M2): per answerer's unit and the training's school year,
-- num = sum of ratings 1–5, den = events = answers (anonymous). Not cumulative: num_to_date null.
select t.school_year_id, f.unit_id, sum(f.rating)::double as num, count(*)::double as den, count(*) as events,
       null::double as num_to_date
from fct_training_feedback f join dim_training t using (training_id)
group by all
