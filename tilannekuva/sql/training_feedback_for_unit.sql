-- page: principal_staff
-- roles: principal
-- grain: aggregate
-- params: unit_id, school_year_id
-- benchmark: true
-- suppress: answers; fixed: training_id; values: mean_rating
-- M2 for the trainings the unit's staff attended in the school year: how many of the staff went, the
-- unit's own answers (anonymous; hidden under 5 answers) and every answer in the city.
with attended as (
    select p.training_id, count(*) as attended
    from scoped_training_participation p
    join scoped_employment e on e.staff_id = p.staff_id and e.unit_id = $unit_id
    join scoped_training t on t.training_id = p.training_id and t.school_year_id = e.school_year_id
    where e.school_year_id = $school_year_id
    group by p.training_id
), unit_answers as (
    select training_id, count(*) as answers, avg(rating) as mean_rating
    from scoped_training_feedback where unit_id = $unit_id
    group by training_id
)
select t.training_id, t.name, t.topic, t.held_on, t.hours::double as hours, a.attended::integer as attended,
       coalesce(u.answers, 0)::integer as answers, u.mean_rating::double as mean_rating,
       b.answers::integer as city_answers, (b.rating_sum / b.answers)::double as city_mean_rating
from attended a
join scoped_training t using (training_id)
left join unit_answers u using (training_id)
left join bench_training_feedback b using (training_id)
order by t.held_on, t.name
