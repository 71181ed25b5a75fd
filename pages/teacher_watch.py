"""Teacher: my watch list — pupils in my groups with support signals (the same rules as the
principal's list, tilannekuva.signals), the reason for each and the history behind it, and a
follow-up mark the teacher can set (stored, written to the access log, shown to the principal)."""

import streamlit as st

from tilannekuva.i18n import fmt_number
from tilannekuva.signals import with_severity
from views import explain, filters, labels, loaders, sections, stores, watch_sections
from views.context import open_page

WATCH_COLUMNS = {"last_name": "col.last_name", "first_name": "col.first_name", "group_name": "col.group",
                 "severity_level": ("col.severity", "label:severity"), "reasons_text": "col.reasons",
                 "followed_text": "col.followed_up"}

page = open_page("teacher_watch")
year_id = filters.school_year(page)["school_year_id"]

st.title(page.t("page.teacher_watch"))
st.markdown(page.t("psupport.signals_definition", concern=fmt_number(page.settings.absence_concern_hours, page.lang)))
explain.about(page, "S4")
listed = loaders.signals(page, None, year_id)
if listed.is_empty():
    st.success(page.t("watch.none"))
    sections.data_as_of(page)
    st.stop()
pupils = listed["pupil_id"].to_list()
marks = loaders.followups().current(year_id, pupils)
watched = with_severity(listed.join(marks, on="pupil_id", how="left")).with_columns(   # most severe first
    labels.signal_reasons(page.lang),
    labels.followed_up(page.lang, stores.display_names(page.settings), notes_of=page.acting.username))
sections.pupil_list(page, watched, WATCH_COLUMNS, target="watch_list", key="watch", filename=f"seurantalista-{year_id}",
                    count="psupport.signals_count", metrics=("S4",))

st.header(page.t("watch.history_header"))
pupil_id, name = watch_sections.pick_pupil(page, listed)
watch_sections.absences(page, pupil_id, name, year_id)
watch_sections.grades(page, pupil_id, year_id)
sections.followup_form(page, pupil_id, year_id, pupils, marked=pupil_id in marks["pupil_id"])
sections.data_as_of(page)
