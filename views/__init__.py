"""The Streamlit layer, by job (pages call these; none of them opens the database):

context.py      `open_page(page_id)`: the guard, and the PageContext every part below takes
                (acting / signed_in principal, language, settings, the filters chosen)
filters.py      URL-backed sidebar filters (school year, metric, area, the principal's unit…)
loaders.py      cached reads through the scoped warehouse (the acting Principal in every cache key)
labels.py       the one label and format layer: codes to words, numbers, percentages, dates (vectorised)
tables.py       tables with declared column formats, and their logged, lazy downloads
media.py        clicked downloads kept at /media while they may be fetched (period, sign-in), then removed
cache_keys.py   what Streamlit's caches hash a Principal or Settings by (one string of every field)
sections.py     reusable page sections: chart + table + downloads, KPI cards, pupil lists…
figures.py      polars frame in, plotly figure out (pure: tested without Streamlit)
access_log.py   the entries pages write (views, exports, prints, follow-up marks)
signin.py       password, cookie and single sign-on sign-in; the login page; logout
view_as.py      an admin's "see what this user sees"; `acting()`
language.py     the reader's language, the picker, the stored choice
stores.py       settings and the cached state stores
whats_new.py    "Mitä uutta" on each role's landing page: changes since the previous visit, counted and linked
chrome.py       document language, contrast fixes, print layout; statement.py the accessibility statement
Sections of one page each, kept out of the page scripts:
  metric_details.py (the metric page), unit_comparison.py (the unit comparison), sector_trends.py (the
  sector's support page), overview_sections.py (the city overview), unit_support.py (the principal's
  support page), staff_sections.py (the principal's staff page), group_sections.py, watch_sections.py,
  me_sections.py (the teacher's groups, watch list and own page), access_review.py (the access log),
  load_review.py (the data loads), user_admin.py (the users page), notification_sections.py (the page
  Ilmoitukset, and the status page's notification defaults per role and failing deliveries)
"""
