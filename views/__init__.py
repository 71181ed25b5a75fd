"""The Streamlit layer's building blocks.

figures.py  polars frame in, plotly figure out (pure: tested without Streamlit)
session.py  sign-in, the current Principal, the page guard, the language
loaders.py  cached reads through the scoped warehouse (the Principal is in every cache key)
widgets.py  filters, KPI rows, chart + table + download blocks
"""
