"""What Streamlit's caches hash a Principal or a Settings by: its `cache_key`, one string of every field's value
(tilannekuva.access.Principal.cache_key, tilannekuva.settings.Settings.cache_key), computed once per instance.
Streamlit would otherwise turn the dataclass into a dict and hash it field by field on every call — every
fetch, every store lookup of every run (13 % of the server's GIL time under 100 sessions, issue 21). The key
is as exact as that: the user's scope, role and every setting are in it."""

from __future__ import annotations

from tilannekuva.access import Principal
from tilannekuva.settings import Settings

KEYED = {Principal: lambda principal: principal.cache_key, Settings: lambda settings: settings.cache_key}
