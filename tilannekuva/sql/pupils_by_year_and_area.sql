-- page: sector_overview
-- roles: sector_lead
-- grain: aggregate
-- params: sector, district_id, language
-- published: pub_pupils
-- Children, pupils and students per school year by sector, by district and by the unit's language,
-- with the total of the filtered selection (the other dimensions null). Filters: null = all.
-- A selection of cells of the publication cube (suppressed once over sector × district × language).
select school_year_id, sector, null::integer as district_id, null::varchar as language, pupils, is_suppressed
from scoped_pub_pupils
where sector is not null and ($sector is null or sector = $sector)
  and district_id is not distinct from $district_id and language is not distinct from $language
union all
select school_year_id, null, district_id, null, pupils, is_suppressed
from scoped_pub_pupils
where district_id is not null and ($district_id is null or district_id = $district_id)
  and sector is not distinct from $sector and language is not distinct from $language
union all
select school_year_id, null, null, language, pupils, is_suppressed
from scoped_pub_pupils
where language is not null and ($language is null or language = $language)
  and sector is not distinct from $sector and district_id is not distinct from $district_id
union all
select school_year_id, null, null, null, pupils, is_suppressed
from scoped_pub_pupils
where sector is not distinct from $sector and district_id is not distinct from $district_id
  and language is not distinct from $language
order by all
