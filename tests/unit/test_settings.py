"""Configuration: production refuses a missing, default or short cookie key."""

import pytest

from tilannekuva.settings import ConfigError, load_settings

STRONG = "k" * 20 + "Zx9-" * 5


@pytest.mark.parametrize("key", [None, "", "some_key", "change-me", "short-key"])
def test_production_refuses_weak_cookie_keys(tmp_path, key):
    env = {"TILANNEKUVA_MODE": "production", "TILANNEKUVA_DATA_DIR": str(tmp_path)}
    if key is not None:
        env["TILANNEKUVA_COOKIE_KEY"] = key
    with pytest.raises(ConfigError, match="cookie key"):
        load_settings(env)


def test_production_accepts_a_strong_key(tmp_path):
    s = load_settings({"TILANNEKUVA_MODE": "production", "TILANNEKUVA_DATA_DIR": str(tmp_path),
                       "TILANNEKUVA_COOKIE_KEY": STRONG})
    assert s.cookie_key == STRONG and not s.is_demo
    assert STRONG not in repr(s)


def test_demo_mode_makes_and_keeps_a_random_key(tmp_path):
    env = {"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(tmp_path)}
    first, second = load_settings(env), load_settings(env)
    assert len(first.cookie_key) >= 32 and first.cookie_key == second.cookie_key
    assert (tmp_path / "demo" / "cookie_key").stat().st_mode & 0o077 == 0


def test_toml_file_and_env_override(tmp_path):
    conf = tmp_path / "t.toml"
    conf.write_text(f'mode = "production"\ncookie_key = "{STRONG}"\nsuppression_threshold = 10\n')
    s = load_settings({"TILANNEKUVA_CONFIG": str(conf), "TILANNEKUVA_SUPPRESSION_THRESHOLD": "7"})
    assert s.suppression_threshold == 7 and s.mode == "production"


def test_unknown_mode_and_missing_config_file(tmp_path):
    with pytest.raises(ConfigError):
        load_settings({"TILANNEKUVA_MODE": "party"})
    with pytest.raises(ConfigError):
        load_settings({"TILANNEKUVA_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize("toml, env, idle, proxies", [
    ("", {}, 30.0, ()),                                                     # defaults: 30 min, no proxy trusted
    ('session_idle_minutes = 10\ntrusted_proxies = ["10.0.0.5", "127.0.0.1"]\n', {}, 10.0, ("10.0.0.5", "127.0.0.1")),
    ("trusted_proxies = []\n", {"TILANNEKUVA_TRUSTED_PROXIES": " 127.0.0.1, ,::1 ",
                                "TILANNEKUVA_SESSION_IDLE_MINUTES": "5"}, 5.0, ("127.0.0.1", "::1")),
])
def test_idle_timeout_and_trusted_proxies(tmp_path, toml, env, idle, proxies):
    conf = tmp_path / "t.toml"
    conf.write_text(f'mode = "demo"\n{toml}')
    s = load_settings({"TILANNEKUVA_CONFIG": str(conf), "TILANNEKUVA_DATA_DIR": str(tmp_path), **env})
    assert s.session_idle_minutes == idle and s.trusted_proxies == proxies


@pytest.mark.parametrize(("extra", "refused"), [
    ({}, True),
    ({"TILANNEKUVA_SSO_TENANT_ID": "11111111-2222-3333-4444-555555555555"}, False),
    ({"TILANNEKUVA_SSO_ISSUER": "https://idp.example"}, False),
])
def test_single_sign_on_must_be_bound_to_a_tenant_or_issuer(tmp_path, extra, refused):
    env = {"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(tmp_path), "TILANNEKUVA_SSO": "true", **extra}
    if refused:
        with pytest.raises(ConfigError, match="tenant or issuer"):
            load_settings(env)
    else:
        assert load_settings(env).sso
    assert load_settings(env, for_app=False).sso        # the command-line tools do not sign anyone in
