-- M5 digital competence (catalogue: metrics.yaml, M5): per unit and school year, num = sum of scores 1–5
-- over the six DigCompEdu areas (environment items 'ymparisto_*' left out), den = those answers,
-- events = respondents. A spring survey, not cumulative: num_to_date null.
select school_year_id, unit_id, sum(score)::double as num, count(*)::double as den,
       count(distinct response_id) as events, null::double as num_to_date
from fct_competence_survey
where area not like 'ymparisto%'
group by all
