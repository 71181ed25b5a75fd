-- page: principal_staff
-- roles: principal
-- grain: aggregate
-- params: unit_id, school_year_id
-- benchmark: true
-- suppress: others; fixed: training_id; values: mean_rating, answers
-- M2 for the trainings the unit's staff attended in the school year: how many of the staff went, the
-- unit's own answers (anonymous; hidden unless at least the threshold of answers come from people
-- other than the viewer: feedback is anonymous, so a viewer who attended the training is counted as
-- one of its answerers — `others`, docs/SUPPRESSION.md) and every answer in the city.
with attended as (
    select p.training_id, count(*) as attended
    from scoped_training_participation p
    join scoped_employment e on e.staff_id = p.staff_id and e.unit_id = $unit_id
    join scoped_training t on t.training_id = p.training_id and t.school_year_id = e.school_year_id
    where e.school_year_id = $school_year_id
    group by p.training_id
), viewer as (         -- the trainings the viewer attended while working in this unit
    select distinct p.training_id
    from scoped_training_participation p
    join scoped_employment e on e.staff_id = p.staff_id and e.unit_id = $unit_id
    join scoped_training t on t.training_id = p.training_id and t.school_year_id = e.school_year_id
    where p.staff_id = getvariable('scope_staff')
), unit_answers as (
    select training_id, count(*) as answers, avg(rating) as mean_rating
    from scoped_training_feedback where unit_id = $unit_id
    group by training_id
)
select t.training_id, t.name, t.topic, t.held_on, t.hours::double as hours, a.attended::integer as attended,
       coalesce(u.answers, 0)::integer as answers,
       (coalesce(u.answers, 0) - case when v.training_id is null then 0 else 1 end)::integer as others,
       u.mean_rating::double as mean_rating,
       -- the city's answers to the training: the same rule (a training answered only in this unit
       -- would otherwise show the unit's hidden mean as the city's)
       case when b.answers - case when v.training_id is null then 0 else 1 end >= getvariable('app_threshold')
            then b.answers::integer end as city_answers,
       case when b.answers - case when v.training_id is null then 0 else 1 end >= getvariable('app_threshold')
            then (b.rating_sum / b.answers)::double end as city_mean_rating
from attended a
join scoped_training t using (training_id)
left join unit_answers u using (training_id)
left join viewer v using (training_id)
left join bench_training_feedback b using (training_id)
order by t.held_on, t.name
