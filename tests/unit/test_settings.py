"""Configuration: precedence, the production requirements, settings that are no longer used."""

import logging

import pytest

from tilannekuva.settings import ConfigError, load_settings


def test_production_starts_without_a_cookie_key(tmp_path):
    """Sessions rest on a random secret whose hash the server keeps: there is no key to demand."""
    s = load_settings({"TILANNEKUVA_MODE": "production", "TILANNEKUVA_DATA_DIR": str(tmp_path)})
    assert s.mode == "production" and not s.is_demo
    assert not hasattr(s, "cookie_key")


@pytest.mark.parametrize("where", ["env", "toml"])
def test_a_cookie_key_still_set_is_ignored_with_a_warning(tmp_path, caplog, where):
    env = {"TILANNEKUVA_MODE": "production", "TILANNEKUVA_DATA_DIR": str(tmp_path)}
    if where == "env":
        env["TILANNEKUVA_COOKIE_KEY"] = "k" * 40
    else:
        conf = tmp_path / "t.toml"
        conf.write_text('cookie_key = "some_key"\n')
        env["TILANNEKUVA_CONFIG"] = str(conf)
    with caplog.at_level(logging.WARNING, logger="tilannekuva.settings"):
        s = load_settings(env)
    assert not hasattr(s, "cookie_key")
    assert any("cookie_key" in r.getMessage() and "ignored" in r.getMessage() for r in caplog.records)


def test_demo_mode_writes_no_key_file(tmp_path):
    load_settings({"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(tmp_path)})
    assert not (tmp_path / "demo" / "cookie_key").exists()


def test_toml_file_and_env_override(tmp_path):
    conf = tmp_path / "t.toml"
    conf.write_text('mode = "production"\nsuppression_threshold = 10\n')
    s = load_settings({"TILANNEKUVA_CONFIG": str(conf), "TILANNEKUVA_SUPPRESSION_THRESHOLD": "7"})
    assert s.suppression_threshold == 7 and s.mode == "production"


def test_unknown_mode_and_missing_config_file(tmp_path):
    with pytest.raises(ConfigError):
        load_settings({"TILANNEKUVA_MODE": "party"})
    with pytest.raises(ConfigError):
        load_settings({"TILANNEKUVA_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize(
    "toml, env, idle, proxies",
    [
        ("", {}, 30.0, ()),  # defaults: 30 min, no proxy trusted
        (
            'session_idle_minutes = 10\ntrusted_proxies = ["10.0.0.5", "127.0.0.1"]\n',
            {},
            10.0,
            ("10.0.0.5", "127.0.0.1"),
        ),
        (
            "trusted_proxies = []\n",
            {"TILANNEKUVA_TRUSTED_PROXIES": " 127.0.0.1, ,::1 ", "TILANNEKUVA_SESSION_IDLE_MINUTES": "5"},
            5.0,
            ("127.0.0.1", "::1"),
        ),
    ],
)
def test_idle_timeout_and_trusted_proxies(tmp_path, toml, env, idle, proxies):
    conf = tmp_path / "t.toml"
    conf.write_text(f'mode = "demo"\n{toml}')
    s = load_settings({"TILANNEKUVA_CONFIG": str(conf), "TILANNEKUVA_DATA_DIR": str(tmp_path), **env})
    assert s.session_idle_minutes == idle and s.trusted_proxies == proxies


@pytest.mark.parametrize(
    ("extra", "refused"),
    [
        ({}, True),
        ({"TILANNEKUVA_SSO_TENANT_ID": "11111111-2222-3333-4444-555555555555"}, False),
        ({"TILANNEKUVA_SSO_ISSUER": "https://idp.example"}, False),
    ],
)
def test_single_sign_on_must_be_bound_to_a_tenant_or_issuer(tmp_path, extra, refused):
    env = {"TILANNEKUVA_MODE": "demo", "TILANNEKUVA_DATA_DIR": str(tmp_path), "TILANNEKUVA_SSO": "true", **extra}
    if refused:
        with pytest.raises(ConfigError, match="tenant or issuer"):
            load_settings(env)
    else:
        assert load_settings(env).sso
    assert load_settings(env, for_app=False).sso  # the command-line tools do not sign anyone in
