"""The Streamlit layer, by job (pages call these; none of them opens the database):

context.py      `open_page(page_id)`: the guard, and the PageContext every part below takes
                (acting / signed_in principal, language, settings, the filters chosen)
filters.py      URL-backed sidebar filters (school year, metric, area, the principal's unit…)
loaders.py      cached reads through the scoped warehouse (the acting Principal in every cache key)
labels.py       the one label and format layer: codes to words, numbers, percentages, dates (vectorised)
tables.py       tables with declared column formats, and their logged, lazy downloads
sections.py     reusable page sections: chart + table + downloads, KPI cards, pupil lists…
figures.py      polars frame in, plotly figure out (pure: tested without Streamlit)
access_log.py   the entries pages write (views, exports, prints, follow-up marks)
signin.py       password, cookie and single sign-on sign-in; the login page; logout
view_as.py      an admin's "see what this user sees"; `acting()`
language.py     the reader's language, the picker, the stored choice
stores.py       settings and the cached state stores
chrome.py       document language, contrast fixes, print layout; statement.py the accessibility statement
access_review.py, user_admin.py, metric_details.py, staff_sections.py, group_sections.py, watch_sections.py,
me_sections.py, overview_sections.py, load_review.py
                sections of one page each (the access log, the users page, the metric page, the principal's
                staff, the teacher's groups, watch list and own page, the city overview, the data loads),
                kept out of the page scripts
"""
