-- page: sector_metric
-- roles: sector_lead
-- grain: aggregate
-- params: sector, district_id, language
-- published: pub_feedback_topics
-- M2 per training topic for the selection (null = all): answers and mean rating per school year.
-- A selection of cells of the publication cube, protected in one block with M2's units and totals
-- (tilannekuva.publication): a topic cell of 1–4 answers, or one that would give such a cell back,
-- is hidden (answers and mean null) under every filter combination. No rating distribution: its
-- bars of one rating are cells too, and protecting them cost more than they tell (docs/SUPPRESSION.md).
select school_year_id, topic, answers, (rating_sum / answers)::double as mean_rating, is_suppressed
from scoped_pub_feedback_topics
where sector is not distinct from $sector and district_id is not distinct from $district_id
  and language is not distinct from $language
order by all
