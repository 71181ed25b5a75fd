"""The `tilannekuva` command: build the demo, load source exports, show the source contracts and the metric
catalogue, rewrite the generated docs, administer users, prune and check the access log, send the digests of
what changed (after every load, and on a schedule).

Runs with umask 077: every file it creates is readable only by the service account.
Exit codes: 0 done (or nothing to do), 1 load rejected (nothing changed) or access log broken,
2 bad usage or configuration, 3 another load is running, 4 a valid load could not be written; `digest`: 1 when
a delivery failed (it is retried by the next run and listed for the admin).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from tilannekuva.files import private_umask
from tilannekuva.ingest.history import LoadHistory
from tilannekuva.settings import ConfigError, Settings, load_settings, use_city_time
from tilannekuva.statedb import for_settings
from tilannekuva.warehouse import WarehouseBusy

log = logging.getLogger("tilannekuva.cli")


def _settings(environ: dict[str, str] | None = None) -> Settings:
    """A command's settings, with the process's local time made the city's (settings.use_city_time): the dates
    and times a command prints, stamps and mails are the city's on a server whose clock runs in UTC."""
    settings = load_settings(environ, for_app=False)
    use_city_time(settings.timezone)
    return settings


def _demo(args: argparse.Namespace) -> int:
    from tilannekuva.demo import DEMO_PASSWORDS, build_demo
    from tilannekuva.warehouse import SCHEMA_VERSION, WarehouseUnavailable, current_file, schema_version

    settings = _settings({**os.environ, "TILANNEKUVA_MODE": "demo"})
    data_dir = Path(args.data_dir).resolve() if args.data_dir else settings.data_dir
    warehouse_dir = data_dir / "warehouse"
    if args.if_missing:
        try:
            served = current_file(warehouse_dir)
            if schema_version(served) == SCHEMA_VERSION:
                print(f"A warehouse is already published: {served}")
                return 0
            print(f"{served.name} has an older schema than version {SCHEMA_VERSION}: rebuilding the demo")
        except WarehouseUnavailable:
            pass
    result = build_demo(warehouse_dir, scale=args.scale, seed=args.seed, config_dir=data_dir / "demo")
    # the settings' own data directory records the rebuild in the settings' state (PostgreSQL when state_url
    # is set); a demo built elsewhere (--data-dir) keeps its history beside it
    loads = for_settings(settings, "loads") if data_dir == settings.data_dir else data_dir / "state" / "loads.sqlite"
    LoadHistory(loads).record_build(result.path.name, result.seconds)
    total = sum(result.row_counts.values())
    print(f"Built {result.path.name} in {result.seconds:.1f} s ({total:,} rows)")
    for table, rows in result.row_counts.items():
        print(f"  {table:<36} {rows:>12,}")
    print("Demo accounts (username / password): " + ", ".join(f"{u} / {p}" for u, p in DEMO_PASSWORDS.items()))
    if args.exports:
        from tilannekuva.ingest.exports import write_exports

        started = time.perf_counter()
        files = write_exports(result.path, Path(args.exports), style=args.export_style)
        print(f"Wrote {len(files)} source exports to {args.exports} in {time.perf_counter() - started:.1f} s")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from tilannekuva.i18n import fmt_number, normalise_language, t
    from tilannekuva.ingest.limits import IngestLimits
    from tilannekuva.ingest.load import LoadFailed, ingest
    from tilannekuva.ingest.problems import LoadRejected
    from tilannekuva.warehouse import WarehouseBusy

    settings = _settings()
    lang = normalise_language(args.lang or os.environ.get("TILANNEKUVA_LANG"))
    history = LoadHistory(for_settings(settings, "loads"))
    try:
        result = ingest(
            [Path(p) for p in args.paths],
            settings.warehouse_dir,
            history,
            force=args.force,
            limits=IngestLimits.from_settings(settings),
        )
    except LoadRejected as exc:
        print(t("ingest.cli.rejected", lang, count=len(exc.problems)), file=sys.stderr)
        for problem in exc.problems:
            print("  " + problem.render(lang), file=sys.stderr)
        return 1
    except WarehouseBusy as exc:
        print(t("ingest.cli.busy", lang, detail=str(exc)), file=sys.stderr)
        return 3
    except LoadFailed as exc:
        print(t("ingest.cli.failed", lang, error=str(exc)), file=sys.stderr)
        return 4
    for f in result.files:
        rows = fmt_number(f.rows_accepted, lang) if f.rows_accepted is not None else "–"
        print(f"  {f.file_name}: {t('ingest.result.' + f.result, lang)} ({f.source}, {rows}, {f.periods})")
    if result.result == "skipped":
        print(t("ingest.cli.skipped", lang))
        return 0
    else:
        rate = result.rows_accepted / result.seconds if result.seconds else 0
        print(
            t(
                "ingest.cli.loaded",
                lang,
                rows=fmt_number(result.rows_accepted, lang),
                version=result.version,
                seconds=fmt_number(result.seconds, lang, 1),
                rate=fmt_number(rate, lang),
            )
        )
    if not args.no_digest:
        _digest_after_load(settings, lang)
    return 0


def _digest_after_load(settings, lang: str) -> None:
    """The digests of the kinds users want immediately, right after the load committed. The load stands
    whatever happens here: a failure is reported, logged and retried by the next run."""
    from tilannekuva.digest import Runner
    from tilannekuva.i18n import t

    try:
        report = Runner(settings).run("load")
    except Exception as exc:  # the load is committed: say so, never undo it
        log.exception("digests after the load failed")
        print(t("ingest.cli.digest_failed", lang, error=str(exc)[:300]), file=sys.stderr)
        return
    print(
        t("ingest.cli.digest", lang, sent=report.count("sent"), failed=report.count("failed") + report.count("gave_up"))
    )


def _users(args: argparse.Namespace) -> int:
    import getpass

    from tilannekuva.access import load_policy
    from tilannekuva.identities import IdentityLinks
    from tilannekuva.preferences import Preferences
    from tilannekuva.security import SecurityStore
    from tilannekuva.useradmin import UserAdmin, UserAdminError

    settings = _settings()
    admin = UserAdmin(
        settings.users_file,
        settings.credentials_file,
        load_policy(settings.roles_file),
        SecurityStore(for_settings(settings, "security")),
    )
    links = IdentityLinks(for_settings(settings, "identities"))

    def password() -> str:
        if args.password_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Salasana / password: ")
        if first != getpass.getpass("Uudelleen / again: "):
            raise UserAdminError("the passwords differ")
        return first

    units = [int(u) for u in args.units.split(",")] if getattr(args, "units", None) else None
    try:
        if args.action == "list":
            for row in admin.list():
                scope = (f"units {','.join(map(str, row.units))}" if row.units else "") + (
                    f" staff {row.staff_id}" if row.staff_id is not None else ""
                )
                linked = ", ".join(link.identity for link in links.links(row.username))
                print(
                    f"{row.username:<20} {row.role or '-':<12} {scope.strip() or '-':<24} {row.name}"
                    + (f"  [{linked}]" if linked else "")
                )
        elif args.action == "add":
            admin.add(
                args.username, args.name or args.username, args.role, password(), units, args.staff_id, args.email
            )
            print(f"added {args.username}")
        elif args.action == "set-role":
            revoked = admin.set_role(args.username, args.role, units, args.staff_id)
            _notifications(settings).rescope(args.username.lower())  # the old scope's news is not the new one's
            print(f"{args.username}: role {args.role}; {revoked} open sessions revoked")
        elif args.action == "reset-password":
            revoked = admin.reset_password(args.username, password())
            print(f"{args.username}: password reset; {revoked} open sessions revoked")
        elif args.action == "remove":
            revoked = admin.remove(args.username)
            links.unlink(args.username)
            _notifications(settings).forget(args.username.lower())  # nothing passes to the next holder of the name
            Preferences(for_settings(settings, "preferences")).forget(args.username.lower())
            print(f"{args.username}: removed; {revoked} open sessions revoked")
        elif args.action in ("link", "unlink"):
            return _link(args, admin, links, settings)
    except UserAdminError as exc:
        print(f"tilannekuva users: {exc}", file=sys.stderr)
        return 1
    return 0


def _notifications(settings):
    from tilannekuva.notifications import Notifications

    return Notifications(for_settings(settings, "notifications"))


def _link(args: argparse.Namespace, admin, links, settings) -> int:
    """`users link USER --tenant T --object-id O` (or --issuer I --subject S) and `users unlink USER`:
    bind a single sign-on identity to a user, or remove the user's links. Written to the access log as
    the operating-system user who ran the command; the user's open sessions are revoked."""
    import getpass

    from tilannekuva.audit import AccessLog
    from tilannekuva.identities import identity_key
    from tilannekuva.useradmin import UserAdminError

    username = (args.username or "").strip().lower()
    if username not in {row.username for row in admin.list()}:
        raise UserAdminError(f"no such user {args.username!r}")
    operator = f"cli:{getpass.getuser()}"
    log = AccessLog(for_settings(settings, "access_log"))
    if args.action == "link":
        key = identity_key(args.tenant, args.object_id, args.issuer, args.subject)
        previous = links.username_for(key)
        links.link(username, key, operator)
        revoked = admin.store.revoke(username) + (
            admin.store.revoke(previous) if previous and previous != username else 0
        )
        log.record(
            operator,
            "admin",
            "link_identity",
            f"user:{username}",
            "cli",
            {"identity": key, "previous_user": previous or ""},
            0,
        )
        print(f"{username}: linked to {key}; {revoked} open sessions revoked")
    else:
        removed = links.unlink(username)
        revoked = admin.store.revoke(username)
        log.record(operator, "admin", "unlink_identity", f"user:{username}", "cli", {"links": removed}, 0)
        print(f"{username}: {removed} single sign-on links removed; {revoked} open sessions revoked")
    return 0


def _usage(args: argparse.Namespace) -> int:
    import polars as pl

    from tilannekuva.audit import AccessLog, monthly_use

    settings = _settings()
    rows = monthly_use(AccessLog(for_settings(settings, "access_log")))
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "tilannekuva_kaytto.csv"
    pl.DataFrame(
        rows,
        schema={
            "month": pl.Date,
            "username": pl.String,
            "role": pl.String,
            "unit_id": pl.Int32,
            "page_views": pl.Int32,
            "source": pl.String,
        },
    ).write_csv(path, separator=";")
    print(f"Wrote {len(rows)} user-months to {path}; load it with `tilannekuva ingest {path}` (feeds M4).")
    return 0


def _access_log(settings):
    from tilannekuva.audit import AccessLog

    return AccessLog(for_settings(settings, "access_log"), retention_days=settings.access_log_retention_days)


def _prune(args: argparse.Namespace) -> int:
    settings = _settings()
    days = args.days if args.days is not None else settings.access_log_retention_days
    if days < settings.access_log_retention_days:
        raise ValueError(
            f"the retention period is {settings.access_log_retention_days} days "
            "(access_log_retention_days); --days can only keep entries longer"
        )
    removed = _access_log(settings).prune(time.time() - days * 86400)
    print(
        f"Removed {removed} access-log entries older than {days} days; the chain continues from an anchor "
        "and the prune is itself an entry in it."
    )
    return 0


def _head_key(settings, create: bool) -> bytes:
    """The HMAC key of the exported chain head: a file outside the database (access_log_key_file),
    created 0400 on first use by `access-log-head`."""
    from tilannekuva.files import READ_ONLY, private_dir, private_file

    path = Path(settings.access_log_key_file)
    if not path.exists():
        if not create:
            raise ValueError(f"no access-log key file at {path} (access_log_key_file)")
        import secrets

        private_dir(path.parent)
        private_file(path)
        path.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
        path.chmod(READ_ONLY)
        print(f"Created the access-log key {path}: keep a copy off this host with the exported heads.", file=sys.stderr)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ValueError(f"the access-log key in {path} is shorter than 32 characters")
    return key.encode("ascii")


def _head(args: argparse.Namespace) -> int:
    settings = _settings()
    print(_access_log(settings).head(_head_key(settings, create=True)))
    return 0


def _verify(args: argparse.Namespace) -> int:
    settings = _settings()
    log = _access_log(settings)
    result = log.check_head(args.head, _head_key(settings, create=False)) if args.head else log.verify()
    if result.intact:
        print("The access log is intact" + (" and contains the given head." if args.head else "."))
        return 0
    where = f" at entry {result.entry_id}" if result.entry_id is not None else ""
    print(f"The access log is BROKEN{where}: {result.problem}", file=sys.stderr)
    return 1


def _contracts(args: argparse.Namespace) -> int:
    from tilannekuva.ingest.contracts import contracts_markdown

    print(contracts_markdown())
    return 0


def _metrics(args: argparse.Namespace) -> int:
    """Print the metric catalogue; with a served warehouse, each source's data-as-of date and freshness on
    settings.today_date, and the metrics that read a stale source."""
    from tilannekuva import freshness, metrics
    from tilannekuva.catalogue import catalogue, render
    from tilannekuva.warehouse import WarehouseUnavailable, served_sources

    settings = _settings()
    cat, lang, today = catalogue(), args.lang, settings.today_date
    try:
        served, rows = served_sources(settings.warehouse_dir)
        assessed = freshness.assess(rows, today)
    except WarehouseUnavailable:
        served, assessed = None, None
    items = render.entries(
        cat,
        lang,
        values=render.values_of(settings),
        targets=metrics.targets(settings.targets),
        guidance=settings.guidance,
        assessed=assessed,
    )
    if args.format == "json":
        print(render.to_json(items, lang, today, served))
    elif args.format == "markdown":
        print(render.to_markdown(items, cat, lang, heading_level=2), end="")
    else:
        print(render.to_text(items, cat, lang, today, served), end="")
    return 0


def _digest(args: argparse.Namespace) -> int:
    """Send the digests that are due (after a load, on a schedule), or show what one user would get."""
    import datetime as dt
    import json

    from tilannekuva.digest import Runner
    from tilannekuva.warehouse import WarehouseUnavailable

    settings = _settings()
    now = dt.datetime.fromisoformat(args.at) if args.at else None
    try:
        runner = Runner(settings, now=now)
    except WarehouseUnavailable as exc:
        print(f"tilannekuva: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        if not args.user:
            print("tilannekuva: --dry-run needs --user", file=sys.stderr)
            return 2
        preview = runner.preview(args.user.lower())
        if args.json:
            print(json.dumps(preview, ensure_ascii=False, indent=2))
        else:
            for digest in preview["digests"]:
                print(f"{digest['frequency']} ({digest['period']}):")
                for change in digest["changes"] or [{"text": "–", "link": ""}]:
                    print(f"  {change['text']}  {change['link']}")
        return 0
    report = runner.run(args.trigger, only_user=args.user.lower() if args.user else None)
    summary = {s: report.count(s) for s in ("sent", "failed", "gave_up", "skipped", "empty", "baseline", "error")}
    if args.json:
        print(json.dumps({"trigger": report.trigger, "version": report.version, **summary}))
    else:
        print(f"digest {report.trigger} ({report.version}): " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return 1 if summary["failed"] or summary["gave_up"] or summary["error"] else 0


def _docs(args: argparse.Namespace) -> int:
    from tilannekuva import docs
    from tilannekuva.settings import PROJECT_ROOT

    if args.check:
        stale = docs.out_of_step(PROJECT_ROOT)
        for path in stale:
            print(f"{path.relative_to(PROJECT_ROOT)} is not in step with the code: run `make docs`", file=sys.stderr)
        return 1 if stale else 0
    for path in docs.write(PROJECT_ROOT):
        print(f"rewrote {path.relative_to(PROJECT_ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tilannekuva", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build the deterministic demo warehouse and demo accounts")
    demo.add_argument("--scale", type=float, default=1.0, help="1 = a Helsinki-sized division (default)")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--data-dir", help="default: the configured data directory (./data)")
    demo.add_argument("--if-missing", action="store_true", help="do nothing if a warehouse is already published")
    demo.add_argument("--exports", metavar="DIR", help="also write the data as source exports into DIR")
    demo.add_argument(
        "--export-style",
        default="mixed",
        choices=("mixed", "csv", "parquet"),
        help="mixed = each source in its real system's format (default)",
    )
    demo.set_defaults(handler=_demo)
    ingest = sub.add_parser("ingest", help="validate source exports and load them as one all-or-nothing load")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="export files or folders of them")
    ingest.add_argument("--force", action="store_true", help="load even files identical to ones already loaded")
    ingest.add_argument("--lang", choices=("fi", "sv", "en"), help="language of the messages (default fi)")
    ingest.add_argument(
        "--no-digest",
        action="store_true",
        help="do not send the 'immediate' digests after the load (a scheduler runs `digest --trigger load`)",
    )
    ingest.set_defaults(handler=_ingest)
    users = sub.add_parser("users", help="add users, set roles and scopes, reset passwords (no hashes by hand)")
    users.add_argument("action", choices=("list", "add", "set-role", "reset-password", "remove", "link", "unlink"))
    users.add_argument("username", nargs="?")
    users.add_argument("--role")
    users.add_argument("--units", help="comma-separated unit ids (principal)")
    users.add_argument("--staff-id", type=int, help="the staff id (teacher; a principal's own record)")
    users.add_argument("--name", help="display name")
    users.add_argument("--email")
    users.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users.add_argument("--tenant", help="link: the Entra ID tenant id (tid)")
    users.add_argument("--object-id", help="link: the user's Entra ID object id (oid)")
    users.add_argument("--issuer", help="link, other OIDC providers: the issuer (iss)")
    users.add_argument("--subject", help="link, other OIDC providers: the subject (sub)")
    users.set_defaults(handler=_users)
    usage = sub.add_parser("usage-export", help="write Tilannekuva's own monthly use from the access log (M4)")
    usage.add_argument("dir", help="folder for tilannekuva_kaytto.csv")
    usage.set_defaults(handler=_usage)
    prune = sub.add_parser("access-log-prune", help="retention: remove access-log entries older than the setting")
    prune.add_argument("--days", type=int, help="keep longer than access_log_retention_days (1825)")
    prune.set_defaults(handler=_prune)
    head = sub.add_parser(
        "access-log-head", help="print the access log's chain head with an HMAC, to keep off the host"
    )
    head.set_defaults(handler=_head)
    verify = sub.add_parser(
        "access-log-verify", help="check the access log's hash chain and anchors (exit 1 if broken)"
    )
    verify.add_argument("--head", help="a line printed earlier by access-log-head: the log must still contain it")
    verify.set_defaults(handler=_verify)
    contracts = sub.add_parser("contracts", help="print the source contracts as Markdown")
    contracts.set_defaults(handler=_contracts)
    metrics_ = sub.add_parser(
        "metrics", help="print the metric catalogue (every field, each source's data-as-of date and freshness)"
    )
    metrics_.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    metrics_.add_argument("--lang", choices=("fi", "sv", "en"), default="fi", help="language of the texts (default fi)")
    metrics_.set_defaults(handler=_metrics)
    docs_ = sub.add_parser("docs", help="rewrite the generated docs (CONTRACTS.md, DATA_MODEL.md's metric catalogue)")
    docs_.add_argument("--check", action="store_true", help="only check: exit 1 if a generated doc is out of step")
    docs_.set_defaults(handler=_docs)
    digest = sub.add_parser(
        "digest", help="send the due digests of what changed (e-mail, Teams), each user's own scope, exactly once"
    )
    digest.add_argument(
        "--trigger",
        choices=("load", "schedule", "retry"),
        default="schedule",
        help="load: right after a data load (the 'immediate' kinds); schedule: the daily and weekly "
        "ones (run it hourly); retry: only deliveries due again (every run also retries)",
    )
    digest.add_argument("--user", help="only this user")
    digest.add_argument("--dry-run", action="store_true", help="print what --user would get; send nothing")
    digest.add_argument("--json", action="store_true", help="print JSON")
    digest.add_argument("--at", help=argparse.SUPPRESS)  # the run's local time (tests): 2026-11-24T07:30
    digest.set_defaults(handler=_digest)
    args = parser.parse_args(argv)
    previous_umask = private_umask()  # whatever it writes is readable only by the service account
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.handler(args)
    except (ConfigError, ValueError) as exc:
        print(f"tilannekuva: {exc}", file=sys.stderr)
        return 2
    except WarehouseBusy as exc:
        print(f"tilannekuva: {exc}", file=sys.stderr)
        return 3
    finally:
        os.umask(previous_umask)  # for callers that run main() in their own process (tests)


if __name__ == "__main__":
    sys.exit(main())
