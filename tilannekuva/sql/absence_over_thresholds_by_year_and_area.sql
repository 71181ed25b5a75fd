-- page: sector_support
-- roles: sector_lead
-- grain: aggregate
-- params: district_id, language, concern_hours, serious_hours
-- published: pub_absence_thresholds
-- S1 absences: pupils in basic and upper secondary education whose absences in a term (autumn
-- Aug–Dec, spring Jan–Jul) reach the concern or the serious threshold (hours), as a share of the
-- pupils with absence records that term; per school, per district and for the selection (district
-- null, unit null). A selection of cells of the publication cube, suppressed once for every filter
-- combination: filters pick cells, nothing is re-aggregated. The cube holds the thresholds it was
-- built with; other hours give no rows (a change of the setting needs a new load).
with cube as (
    select * from scoped_pub_absence_thresholds
    where threshold_hours = case threshold when 'huoli' then $concern_hours::double else $serious_hours::double end
)
select school_year_id, term, threshold, district_id, unit_id, pupils, enrolled, share, is_suppressed
from cube
where unit_id is not null
  and ($district_id is null or district_id = $district_id) and ($language is null or language = $language)
union all
select school_year_id, term, threshold, district_id, null, pupils, enrolled, share, is_suppressed
from cube
where unit_id is null and district_id is not null
  and ($district_id is null or district_id = $district_id) and language is not distinct from $language
union all
select school_year_id, term, threshold, null, null, pupils, enrolled, share, is_suppressed
from cube
where unit_id is null and district_id is not distinct from $district_id and language is not distinct from $language
order by all
