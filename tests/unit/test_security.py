"""Failed-login throttling with a time window, and revocable sessions."""

from tilannekuva.security import SecurityStore

T0 = 1_800_000_000.0


def store(tmp_path):
    return SecurityStore(tmp_path / "s.sqlite", limit_user=3, limit_client=5, window_seconds=600)


def test_throttles_a_username_after_repeated_failures_and_recovers(tmp_path):
    s = store(tmp_path)
    for i in range(3):
        assert s.throttle_wait("rehtori", "10.0.0.1", now=T0 + i) == 0
        s.record_attempt("rehtori", "10.0.0.1", False, now=T0 + i)
    assert s.throttle_wait("rehtori", "10.0.0.9", now=T0 + 10) == 590  # any client
    assert s.throttle_wait("opettaja", "10.0.0.9", now=T0 + 10) == 0    # other users are not locked out
    assert s.throttle_wait("REHTORI ", "10.0.0.9", now=T0 + 601) == 0   # the window passes


def test_throttles_a_client_spraying_many_usernames(tmp_path):
    s = store(tmp_path)
    for i in range(5):
        s.record_attempt(f"user{i}", "10.0.0.2", False, now=T0 + i)
    assert s.throttle_wait("someone", "10.0.0.2", now=T0 + 5) > 0
    assert s.throttle_wait("someone", "10.0.0.3", now=T0 + 5) == 0


def test_successes_do_not_count(tmp_path):
    s = store(tmp_path)
    for i in range(10):
        s.record_attempt("admin", "c", True, now=T0 + i)
    assert s.throttle_wait("admin", "c", now=T0 + 11) == 0


def test_sessions_open_expire_and_revoke(tmp_path):
    s = store(tmp_path)
    s.open_session("opettaja", "a", expires_at=T0 + 100, now=T0)
    s.open_session("opettaja", "b", expires_at=T0 + 100, now=T0)
    assert s.is_active("opettaja", "a", now=T0 + 1)
    assert not s.is_active("opettaja", "a", now=T0 + 101)
    assert not s.is_active("opettaja", "zzz", now=T0 + 1)
    assert not s.is_active("rehtori", "a", now=T0 + 1)
    assert s.revoke("opettaja", "a", now=T0 + 2) == 1
    assert not s.is_active("opettaja", "a", now=T0 + 3) and s.is_active("opettaja", "b", now=T0 + 3)
    assert s.revoke("opettaja", now=T0 + 4) == 1  # role change: every session of the user
    assert not s.is_active("opettaja", "b", now=T0 + 5)
