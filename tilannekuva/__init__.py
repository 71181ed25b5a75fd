"""Tilannekuva core: configuration, access policy, the scoped warehouse and the demo city.

Nothing in this package imports streamlit; the Streamlit app (app.py, pages/, views/)
is a thin layer on top of it.
"""

__version__ = "0.1.0"
