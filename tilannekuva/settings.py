"""Runtime configuration: one frozen Settings object read from a TOML file and the environment.

Order of precedence: environment variables (TILANNEKUVA_*) over the TOML file named by
TILANNEKUVA_CONFIG (default: config/tilannekuva.toml when it exists) over the defaults here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
import time
import tomllib
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("tilannekuva.settings")

# Settings that no longer do anything: a file or environment that still sets them loads, with a warning.
# cookie_key signed streamlit-authenticator's cookie; a session cookie now holds a random secret whose
# hash the server keeps (tilannekuva.security), so there is nothing left to sign.
IGNORED = ("cookie_key",)

# The demo's data end on 20.11.2026 (tilannekuva.demo.DATA_AS_OF) and it is judged as on this day, so the
# demo looks the same whenever it runs (its sources are fresh); set `today` to judge it on another day.
DEMO_TODAY = dt.date(2026, 11, 24)

# The city's own time: the day "today" is, and every time the app shows or writes (the access log, the user
# list, the digests' mails), whatever time zone the server's clock is set to (servers often run in UTC,
# 2–3 hours behind Helsinki: between midnight and 2–3 am it would still be yesterday). Setting `timezone`.
CITY_TIMEZONE = "Europe/Helsinki"


# Microsoft's addresses for Teams incoming webhooks and Workflows ("Post to a chat when a webhook request is
# received"): a user's Teams address must be on one of these hosts (https), so the server posts nowhere else.
TEAMS_HOSTS = ("*.logic.azure.com", "*.webhook.office.com", "*.environment.api.powerplatform.com")
SMTP_SECURITY = ("starttls", "ssl", "none")


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says what to fix."""


@dataclass(frozen=True)
class Settings:
    mode: str  # "demo" or "production"
    data_dir: Path
    roles_file: Path
    users_file: Path
    credentials_file: Path
    cookie_name: str = "tilannekuva_session"
    session_hours: float = 8.0  # absolute lifetime of a sign-in
    session_idle_minutes: float = 30.0  # a session unused this long ends
    suppression_threshold: int = 5
    failed_login_limit_user: int = 5  # per username + client, then growing delays
    failed_login_limit_client: int = 20  # per client address (spraying usernames)
    failed_login_limit_account: int = 20  # per username from addresses it never signed in from
    failed_login_window_minutes: int = 15
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For is believed (default none)
    targets: tuple[tuple[str, float], ...] = ()  # [targets] M1 = 1.0 …; defaults in metrics.py
    absence_concern_hours: float = 60.0  # S1 thresholds: absence hours in one term
    absence_serious_hours: float = 100.0
    bulk_export_rows: int = 100  # access-log flag: an export of this many rows or more
    access_log_retention_days: int = 1825  # `tilannekuva access-log-prune` keeps this many days
    access_log_key_file: Path | None = None  # HMAC key of the exported chain head (outside the database)
    ingest_max_file_mb: float = 1024.0  # ingest limits (tilannekuva/ingest/limits.py): file size,
    ingest_max_columns: int = 200  # header columns,
    ingest_max_rows: int = 30_000_000  # data rows,
    ingest_max_xlsx_inflated_mb: float = 512.0  # what an .xlsx or a Parquet file inflates to (before the read),
    ingest_max_xlsx_ratio: float = 100.0  # compression ratio of an .xlsx entry of 1 MB or more,
    ingest_problems_per_kind: int = 50  # problems listed per kind and file,
    ingest_problems_per_file: int = 200  # and per file ("… and N more"),
    ingest_problems_per_load: int = 1000  # and per load;
    ingest_max_files: int = 200  # files in one load
    download_seconds: int = 60  # a clicked download's file stays at /media this long
    sso: bool = False  # offer single sign-on (st.login, OIDC; [auth] in secrets)
    sso_provider: str = ""  # the [auth.<provider>] name, "" = the [auth] section itself
    sso_tenant_id: str = ""  # Entra ID tenant (tid) every SSO token must come from
    sso_issuer: str = ""  # or, for other OIDC providers, the issuer (iss)
    feedback_email: str = "tilannekuva@kaupunki.example"  # accessibility feedback (the accessibility statement)
    today: dt.date | None = None  # the day sources' freshness is judged on (None: the real date; demo: DEMO_TODAY)
    timezone: str = CITY_TIMEZONE  # the city's IANA time zone: its day and every time shown (use_city_time)
    guidance: tuple[tuple[str, str], ...] = ()  # [guidance] wintra = "https://…": a guidance document's address
    # What's new and the digests (tilannekuva.whatsnew, tilannekuva.digest, tilannekuva.delivery):
    app_url: str = "http://localhost:8501"  # the app's address as users open it: the digests' links start with it
    notifications: str = ""  # [notifications]: overrides of tilannekuva/catalogue/notifications.yaml (as JSON)
    smtp_host: str = ""  # the city's mail relay; "" = no e-mail digests
    smtp_port: int = 25
    smtp_security: str = "starttls"  # starttls | ssl | none (none only to a relay on this host)
    smtp_username: str = ""  # "" = the relay takes mail without signing in
    smtp_password_file: Path | None = None  # the relay password, in a file outside the settings
    mail_from: str = "tilannekuva@kaupunki.example"
    teams_hosts: tuple[str, ...] = TEAMS_HOSTS  # where a Teams workflow address may point ("*." = any subdomain)
    digest_max_attempts: int = 5  # a failing delivery is tried this many times (then listed as failed)
    digest_retry_minutes: float = 5.0  # first retry after this long, doubling each time
    digest_lease_seconds: float = 300.0  # a delivery claimed by a run that died is free again after this long
    # The state (sessions, throttling, access log, follow-ups, preferences, links, load history, digests):
    # "" = SQLite files in data/state/; a postgresql:// URL = one schema per store there, shared by every app
    # process (tilannekuva.statedb; docs/DEPLOYMENT.md). No password in it: libpq's ~/.pgpass or PGPASSFILE.
    state_url: str = ""
    # DuckDB (tilannekuva.duck): every connection the app opens — the served warehouse, a load, a demo build —
    # may use this much memory (beyond it DuckDB spills to disk) and this many threads. The defaults suit a
    # 2–4 GB server running one or two app processes; DuckDB's own default is 80 % of the machine's memory.
    duckdb_memory_limit: str = "1GB"
    duckdb_threads: int = 2
    duckdb_build_memory_limit: str = ""  # the connection writing a new version (demo build, load); "" = DuckDB's

    @functools.cached_property
    def cache_key(self) -> str:
        """Every field's value as one string: what Streamlit's caches key on instead of hashing the dataclass
        field by field (dataclasses.asdict on every call: 13 % of the GIL's time under 100 sessions, issue 21).
        Two instances with equal fields have equal keys; any field that differs, the scope included, differs."""
        return repr(tuple(getattr(self, f.name) for f in dataclasses.fields(self)))

    @property
    def today_date(self) -> dt.date:
        """The day the sources' freshness is judged on (tilannekuva.freshness): `today` when set, else the
        demo's own day in demo mode and the real date in the city's time zone in production."""
        if self.today is not None:
            return self.today
        return DEMO_TODAY if self.is_demo else city_today(self.timezone)

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    @property
    def is_demo(self) -> bool:
        return self.mode == "demo"


def _read_toml(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _positive(value, name: str) -> float:
    number = float(value)
    if not number > 0:
        raise ConfigError(f"{name} must be a positive number, not {value!r}")
    return number


def _date(value, name: str) -> dt.date | None:
    """A date setting: a TOML date, or 'YYYY-MM-DD' from the environment; empty = not set."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a date like 2026-11-24, not {value!r}") from None


@functools.cache
def _known_zones() -> frozenset[str]:
    """The zone names Python's zoneinfo offers (the system's tz database, else the tzdata package): no
    folders ('Europe'), no 'right/' (leap-second) or 'posix/' copies, no files that are not zones."""
    return frozenset(zoneinfo.available_timezones())


def _timezone(value) -> str:
    """`timezone`: an IANA zone name (Europe/Helsinki) that the time zone database knows."""
    name = str(value).strip()
    if name not in _known_zones():
        raise ConfigError(f"timezone must be a time zone name like {CITY_TIMEZONE}, not {value!r}")
    return name


def city_today(zone: str, now: float | None = None) -> dt.date:
    """The date in `zone` at `now` (epoch seconds; default the real time), whatever the process's zone."""
    return dt.datetime.fromtimestamp(time.time() if now is None else now, zoneinfo.ZoneInfo(zone)).date()


def _zone_file(zone: str) -> Path | None:
    """The TZif file zoneinfo reads `zone` from: the system's database (zoneinfo.TZPATH), else the tzdata
    package's copy (a system without Debian's tzdata)."""
    for folder in zoneinfo.TZPATH:
        if (Path(folder) / zone).is_file():
            return Path(folder) / zone
    try:
        from importlib.resources import files

        found = files("tzdata.zoneinfo").joinpath(*zone.split("/"))
        return Path(str(found)) if found.is_file() else None
    except (ModuleNotFoundError, OSError):
        return None


def _libc_agrees(zone: str) -> bool:
    """Whether the C library's local time (time.localtime, what datetime.fromtimestamp and date.today use) has
    zoneinfo's offsets for `zone` now and in this year's winter and summer."""
    year = time.gmtime().tm_year
    probes = [time.time()] + [dt.datetime(year, m, 15, 12, tzinfo=dt.UTC).timestamp() for m in (1, 7)]
    info = zoneinfo.ZoneInfo(zone)
    return all(
        time.localtime(t).tm_gmtoff == dt.datetime.fromtimestamp(t, info).utcoffset().total_seconds() for t in probes
    )


def use_city_time(zone: str) -> None:
    """Make the process's local time the city's (TZ and tzset), so that every local date and time the app and
    its commands show or write — datetime.fromtimestamp, date.today, the log lines, DuckDB connections opened
    after it — is the city's, on a server whose clock is set to UTC too. Called once where the app and the
    commands load their settings.

    The C library reads the zone from the system's tz database; where that lacks it (a slim image without
    Debian's tzdata) TZ names zoneinfo's own file instead. If the C library still disagrees with zoneinfo,
    ConfigError: a process that silently ran in UTC would count and show the wrong day (attack finding)."""
    file = _zone_file(zone)
    candidates = [zone] + ([f":{file}"] if file else [])
    previous = os.environ.get("TZ")
    if previous in candidates and _libc_agrees(zone):
        return  # already the city's (a second load of the settings)
    for value in candidates:
        os.environ["TZ"] = value
        time.tzset()
        if _libc_agrees(zone):
            log.info("local time is %s's (%s, TZ=%s)", zone, time.strftime("%Z"), value)
            return
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()
    raise ConfigError(
        f"timezone {zone}: the system's time zone database does not have it (install Debian's tzdata), "
        "so local times would not be the city's"
    )


def _guidance(table: dict) -> tuple[tuple[str, str], ...]:
    """The [guidance] table: a guidance document of the metric catalogue -> its https:// address."""
    from tilannekuva.catalogue import catalogue_without_contracts, safe_url

    known = catalogue_without_contracts().guidance
    for doc, url in table.items():
        if doc not in known:
            raise ConfigError(f"[guidance] {doc}: no such guidance document (known: {', '.join(known)})")
        if not safe_url(url):
            raise ConfigError(
                f"[guidance] {doc}: the address must be one plain https:// address (no spaces, quotes or "
                f"brackets), not {url!r}"
            )
    return tuple(sorted((str(k), str(v)) for k, v in table.items()))


def _memory_limit(value) -> str:
    """`duckdb_memory_limit`: a size in DuckDB's syntax (512MB, 1.5GB, 2GiB)."""
    from tilannekuva.duck import SIZE

    text = str(value).strip()
    if not SIZE.match(text):
        raise ConfigError(f"duckdb_memory_limit must be a size like 1GB or 512MB, not {value!r}")
    return text.replace(" ", "")


def _choice(value, allowed: tuple[str, ...], name: str) -> str:
    text = str(value).strip().lower()
    if text not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return text


def _state_url(value) -> str:
    """`state_url`: empty (SQLite in data/state/) or a postgresql:// URL without a password in it (neither
    `user:password@` nor `?password=`)."""
    from urllib.parse import parse_qsl, urlsplit

    url = str(value or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(f"state_url must be a postgresql:// URL (or empty for SQLite), not {parts.scheme or url!r}")
    # libpq reads a password from the userinfo and from the query string (?password=…) alike: neither is allowed.
    asked = {name.strip().lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if parts.password or "password" in asked:
        raise ConfigError(
            "state_url carries a password: keep it out of the settings (libpq's ~/.pgpass or PGPASSFILE, "
            "or peer authentication on the database host)"
        )
    return url


def _app_url(value) -> str:
    """The app's address for the digests' links: one plain http(s):// address, without a trailing slash."""
    from urllib.parse import urlsplit

    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or any(c in text for c in " \"'<>")
    ):
        raise ConfigError(f"app_url must be the app's http(s):// address (no query), not {value!r}")
    return text


def _notifications(table: dict) -> str:
    """The [notifications] table, checked against tilannekuva/catalogue/notifications.yaml (as JSON)."""
    import json

    if not table:
        return ""
    from tilannekuva.whatsnew import RulesError, parse_rules, rules_file

    try:
        parse_rules(rules_file(), table)
    except (RulesError, ValueError) as exc:
        raise ConfigError(f"[notifications]: {exc}") from exc
    return json.dumps(table, sort_keys=True)


def _address_list(value) -> tuple[str, ...]:
    """`trusted_proxies` from the environment ("10.0.0.5, 10.0.0.6") or the TOML (a list or that string)."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    return tuple(sorted({str(item).strip() for item in items if str(item).strip()}))


def load_settings(environ: dict[str, str] | None = None, for_app: bool = True) -> Settings:
    """Read the settings; raises ConfigError when they are unusable — for the app also when single
    sign-on is on but bound to no tenant or issuer (`for_app=False`: command-line tools that never sign
    anyone in)."""
    env = os.environ if environ is None else environ
    config_path = env.get("TILANNEKUVA_CONFIG")
    toml_path = Path(config_path) if config_path else PROJECT_ROOT / "config" / "tilannekuva.toml"
    if config_path and not toml_path.exists():
        raise ConfigError(f"TILANNEKUVA_CONFIG names a file that does not exist: {toml_path}")
    conf = _read_toml(toml_path)

    def pick(name: str, default):
        env_name = "TILANNEKUVA_" + name.upper()
        if env_name in env:
            return type(default)(env[env_name]) if default is not None else env[env_name]
        return conf.get(name, default)

    mode = pick("mode", "production")
    if mode not in ("demo", "production"):
        raise ConfigError(f"mode must be 'demo' or 'production', not {mode!r}")
    data_dir = Path(pick("data_dir", str(PROJECT_ROOT / "data"))).resolve()
    default_conf_dir = data_dir / "demo" if mode == "demo" else PROJECT_ROOT / "config"
    for name in IGNORED:
        if name in conf or "TILANNEKUVA_" + name.upper() in env:
            log.warning(
                "the setting %s is no longer used and is ignored (remove it from %s)",
                name,
                "the environment" if "TILANNEKUVA_" + name.upper() in env else toml_path,
            )
    sso = str(pick("sso", "false")).lower() in ("1", "true", "yes")
    if sso and for_app and not (str(pick("sso_tenant_id", "")).strip() or str(pick("sso_issuer", "")).strip()):
        raise ConfigError(
            "Single sign-on is on but bound to no tenant or issuer: set sso_tenant_id (Entra ID, "
            "TILANNEKUVA_SSO_TENANT_ID) or sso_issuer (other OIDC providers, TILANNEKUVA_SSO_ISSUER)."
        )
    return Settings(
        mode=mode,
        data_dir=data_dir,
        roles_file=Path(pick("roles_file", str(PROJECT_ROOT / "roles.yaml"))),
        users_file=Path(pick("users_file", str(default_conf_dir / "users.yaml"))),
        credentials_file=Path(pick("credentials_file", str(default_conf_dir / "credentials.yaml"))),
        cookie_name=pick("cookie_name", "tilannekuva_session"),
        session_hours=float(pick("session_hours", 8.0)),
        session_idle_minutes=float(pick("session_idle_minutes", 30.0)),
        suppression_threshold=int(pick("suppression_threshold", 5)),
        failed_login_limit_user=int(pick("failed_login_limit_user", 5)),
        failed_login_limit_client=int(pick("failed_login_limit_client", 20)),
        failed_login_limit_account=int(pick("failed_login_limit_account", 20)),
        failed_login_window_minutes=int(pick("failed_login_window_minutes", 15)),
        trusted_proxies=_address_list(pick("trusted_proxies", "")),
        targets=tuple(sorted((str(k), float(v)) for k, v in (conf.get("targets") or {}).items())),
        absence_concern_hours=float(pick("absence_concern_hours", 60.0)),
        absence_serious_hours=float(pick("absence_serious_hours", 100.0)),
        bulk_export_rows=int(pick("bulk_export_rows", 100)),
        download_seconds=max(1, int(pick("download_seconds", 60))),
        access_log_retention_days=int(pick("access_log_retention_days", 1825)),
        access_log_key_file=Path(pick("access_log_key_file", str(default_conf_dir / "access_log.key"))),
        ingest_max_file_mb=_positive(pick("ingest_max_file_mb", 1024.0), "ingest_max_file_mb"),
        ingest_max_columns=int(_positive(pick("ingest_max_columns", 200), "ingest_max_columns")),
        ingest_max_rows=int(_positive(pick("ingest_max_rows", 30_000_000), "ingest_max_rows")),
        ingest_max_xlsx_inflated_mb=_positive(
            pick("ingest_max_xlsx_inflated_mb", 512.0), "ingest_max_xlsx_inflated_mb"
        ),
        ingest_max_xlsx_ratio=_positive(pick("ingest_max_xlsx_ratio", 100.0), "ingest_max_xlsx_ratio"),
        ingest_problems_per_kind=int(_positive(pick("ingest_problems_per_kind", 50), "ingest_problems_per_kind")),
        ingest_problems_per_file=int(_positive(pick("ingest_problems_per_file", 200), "ingest_problems_per_file")),
        ingest_problems_per_load=int(_positive(pick("ingest_problems_per_load", 1000), "ingest_problems_per_load")),
        ingest_max_files=int(_positive(pick("ingest_max_files", 200), "ingest_max_files")),
        sso=sso,
        sso_provider=str(pick("sso_provider", "")),
        sso_tenant_id=str(pick("sso_tenant_id", "")),
        sso_issuer=str(pick("sso_issuer", "")),
        feedback_email=str(pick("feedback_email", "tilannekuva@kaupunki.example")),
        today=_date(pick("today", None), "today"),
        timezone=_timezone(pick("timezone", CITY_TIMEZONE)),
        guidance=_guidance(conf.get("guidance") or {}),
        app_url=_app_url(pick("app_url", "http://localhost:8501")),
        notifications=_notifications(conf.get("notifications") or {}),
        smtp_host=str(pick("smtp_host", "")).strip(),
        smtp_port=int(pick("smtp_port", 25)),
        smtp_security=_choice(pick("smtp_security", "starttls"), SMTP_SECURITY, "smtp_security"),
        smtp_username=str(pick("smtp_username", "")),
        smtp_password_file=Path(p) if (p := str(pick("smtp_password_file", "") or "")) else None,
        mail_from=str(pick("mail_from", "tilannekuva@kaupunki.example")),
        teams_hosts=_address_list(pick("teams_hosts", ",".join(TEAMS_HOSTS))),
        digest_max_attempts=int(_positive(pick("digest_max_attempts", 5), "digest_max_attempts")),
        digest_retry_minutes=_positive(pick("digest_retry_minutes", 5.0), "digest_retry_minutes"),
        digest_lease_seconds=_positive(pick("digest_lease_seconds", 300.0), "digest_lease_seconds"),
        state_url=_state_url(pick("state_url", "")),
        duckdb_memory_limit=_memory_limit(pick("duckdb_memory_limit", "1GB")),
        duckdb_threads=int(_positive(pick("duckdb_threads", 2), "duckdb_threads")),
        duckdb_build_memory_limit=(
            _memory_limit(b) if (b := str(pick("duckdb_build_memory_limit", "")).strip()) else ""
        ),
    )
