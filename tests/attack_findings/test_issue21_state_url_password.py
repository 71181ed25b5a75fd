"""Attack (issue 21, item 3): the state database's password in state_url's query string passes the settings'
check and is written, unredacted, into every "state database unavailable" message (the server log).

tilannekuva.settings._state_url refuses `postgresql://user:PASSWORD@host/db` ("keep it out of the settings"),
but libpq takes the password from the query string just as well: `postgresql://user@host/db?password=PASSWORD`
(also `?host=/run/postgresql&password=…`). That URL is accepted, and tilannekuva.statedb.redacted() only masks
the userinfo password — so StateUnavailable's message, which app.py logs on every failed page run
("the state database is unavailable: …") and the CLI prints, carries the password in clear text.

Expected: the settings refuse a password anywhere in the URL, or every message masks it.
"""

from __future__ import annotations

import pytest

from deploy.servers import free_port
from tilannekuva.settings import ConfigError, _state_url
from tilannekuva.statedb import StateDB, StateUnavailable, close_pools, redacted

SECRET = "Kesa2026!salasana"


@pytest.mark.parametrize("query", [f"?password={SECRET}", f"?sslmode=disable&password={SECRET}"])
def test_a_password_in_the_query_string_is_refused_or_never_written_out(query):
    url = f"postgresql://tilannekuva@127.0.0.1:{free_port()}/state{query}"
    try:
        accepted = _state_url(url)
    except ConfigError:
        return  # refused like a password in the userinfo: fine
    assert SECRET not in redacted(accepted), f"redacted() keeps it: {redacted(accepted)}"
    with pytest.raises(StateUnavailable) as caught:
        StateDB(accepted, "security").create("create table if not exists t (x integer);")
    close_pools()
    assert SECRET not in str(caught.value), f"the log line would read: {caught.value}"
