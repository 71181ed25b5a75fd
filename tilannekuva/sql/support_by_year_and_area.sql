-- page: sector_support, sector_units
-- grain: aggregate
-- params: district_id, language
-- suppress: pupils; cells: district_id, unit_id; fixed: school_year_id, regime, support_level; values: share; base: enrolled
-- S2 support for learning in basic education: pupils with a decision or measure in force in the
-- school year, per regime and level (before 1 Aug 2025: tehostettu / erityinen; from then on:
-- ryhmakohtainen / oppilaskohtainen — never merged), as a share of the enrolled basic-education
-- pupils, per school, per district and for the city. A pupil may have both new-regime levels.
with enrolled as (
    select e.school_year_id, e.pupil_id, u.unit_id, u.district_id
    from scoped_enrolment e join scoped_unit u using (unit_id)
    where u.sector = 'perusopetus'
      and ($district_id is null or u.district_id = $district_id)
      and ($language is null or u.language = $language)
), levels as (
    select * from (values ('ennen_2025', 'tehostettu'), ('ennen_2025', 'erityinen'),
                          ('alkaen_2025', 'ryhmakohtainen'), ('alkaen_2025', 'oppilaskohtainen')) l(regime, support_level)
), supported as (
    select distinct d.school_year_id, d.pupil_id, d.regime, d.support_level
    from scoped_support_decision d
), cells as (
    select e.school_year_id, e.district_id, e.unit_id, l.regime, l.support_level,
           count(s.pupil_id)::integer as pupils, count(*)::integer as enrolled
    from enrolled e cross join levels l
    left join supported s on s.school_year_id = e.school_year_id and s.pupil_id = e.pupil_id
                         and s.regime = l.regime and s.support_level = l.support_level
    group by grouping sets ((e.school_year_id, l.regime, l.support_level, e.district_id, e.unit_id),
                            (e.school_year_id, l.regime, l.support_level, e.district_id),
                            (e.school_year_id, l.regime, l.support_level))
)
select c.*, c.pupils / nullif(c.enrolled, 0) as share
from cells c
where c.pupils > 0 or exists (select 1 from supported s where s.regime = c.regime and s.school_year_id = c.school_year_id)
order by all
