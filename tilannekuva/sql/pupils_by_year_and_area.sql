-- page: sector_overview
-- grain: aggregate
-- params: sector, district_id, language
-- suppress: pupils; cells: sector, district_id, language; fixed: school_year_id
-- Children, pupils and students per school year by sector, by district and by the unit's language,
-- with the total of the filtered selection (the other dimensions null). Filters: null = all.
select e.school_year_id, u.sector, u.district_id, u.language, count(*)::integer as pupils
from scoped_enrolment e
join scoped_unit u using (unit_id)
where ($sector is null or u.sector = $sector)
  and ($district_id is null or u.district_id = $district_id)
  and ($language is null or u.language = $language)
group by grouping sets ((e.school_year_id, u.sector), (e.school_year_id, u.district_id),
                        (e.school_year_id, u.language), (e.school_year_id))
order by all
