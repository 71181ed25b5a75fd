-- page: sector_support, sector_units
-- grain: aggregate
-- params: district_id, language, concern_hours, serious_hours
-- suppress: pupils; cells: district_id, unit_id; fixed: school_year_id, term, threshold; values: share; base: enrolled
-- S1 absences: pupils in basic and upper secondary education whose absences in a term (autumn
-- Aug–Dec, spring Jan–Jul) reach the concern or the serious threshold (hours, configurable), as a
-- share of the pupils with absence records that term; per school, district and city.
with per_term as (
    select a.school_year_id, case when month(a.month) >= 8 then 'syksy' else 'kevat' end as term,
           a.pupil_id, a.unit_id, sum(a.absence_hours) as hours
    from scoped_absence a
    group by all
), pupils as (
    select p.*, u.district_id
    from per_term p join scoped_unit u using (unit_id)
    where ($district_id is null or u.district_id = $district_id)
      and ($language is null or u.language = $language)
), levels as (
    select * from (values ('huoli', $concern_hours::double), ('vakava', $serious_hours::double)) t(threshold, hours)
)
select p.school_year_id, p.term, l.threshold, p.district_id, p.unit_id,
       count(*) filter (where p.hours >= l.hours)::integer as pupils, count(*)::integer as enrolled,
       count(*) filter (where p.hours >= l.hours) / count(*) as share
from pupils p cross join levels l
group by grouping sets ((p.school_year_id, p.term, l.threshold, p.district_id, p.unit_id),
                        (p.school_year_id, p.term, l.threshold, p.district_id),
                        (p.school_year_id, p.term, l.threshold))
order by all
