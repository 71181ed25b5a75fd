-- page: sector_training_reach
-- grain: aggregate
-- params: school_year_id
-- suppress: pupils; cells: district_id, language
-- Children, pupils and students in the school year by district and the unit's language, with the
-- district totals (language null), language totals (district null) and the city total.
select d.district_id, d.name_fi as district_fi, d.name_sv as district_sv, u.language,
       count(*)::integer as pupils
from scoped_enrolment e
join scoped_unit u using (unit_id)
join scoped_district d using (district_id)
where e.school_year_id = $school_year_id
group by grouping sets ((d.district_id, d.name_fi, d.name_sv, u.language), (d.district_id, d.name_fi, d.name_sv),
                        (u.language), ())
order by d.district_id nulls last, u.language nulls last
