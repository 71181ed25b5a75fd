"""Fixtures the attack findings borrow from the security tests (the hostile city)."""

from tests.security.conftest import hostile_home  # noqa: F401
