-- page: sector_support
-- roles: sector_lead
-- grain: aggregate
-- params: district_id, language
-- published: pub_support
-- S2 support for learning in basic education: pupils with a decision or measure in force in the
-- school year, per regime and level (before 1 Aug 2025: tehostettu / erityinen; from then on:
-- ryhmakohtainen / oppilaskohtainen — never merged), as a share of the enrolled basic-education
-- pupils, per school, per district and for the selection (district null, unit null). A pupil may
-- have both new-regime levels. A selection of cells of the publication cube (suppressed once).
select school_year_id, regime, support_level, district_id, unit_id, pupils, enrolled, share, is_suppressed
from scoped_pub_support
where unit_id is not null
  and ($district_id is null or district_id = $district_id) and ($language is null or language = $language)
union all
select school_year_id, regime, support_level, district_id, null, pupils, enrolled, share, is_suppressed
from scoped_pub_support
where unit_id is null and district_id is not null
  and ($district_id is null or district_id = $district_id) and language is not distinct from $language
union all
select school_year_id, regime, support_level, null, null, pupils, enrolled, share, is_suppressed
from scoped_pub_support
where unit_id is null and district_id is not distinct from $district_id and language is not distinct from $language
order by all
