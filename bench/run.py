"""`make bench`: Tilannekuva's speed, measured against targets on this machine. A benchmark, not a
test: it prints PASS/FAIL per row and always exits 0 unless something broke.

Steps (warehouses and exports are built once under data/bench/ and reused):
  1. demo warehouses at each scale (default 1 and 10);
  2. every page of every role through AppTest, one process per scale (bench/pages.py);
  3. the pandas reference of two pages on the scale-1 CSV exports (bench/reference.py);
  4. ingest rate: the scale-1 CSV exports into an empty warehouse;
  5. in Chromium: sign-in to first chart (bench/browser.py);
  6. N signed-in sessions at once with think time, on Streamlit's websocket protocol, no browser (bench/load.py).
Results: bench-results/bench-<time>.json and .md (the table printed at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGETS = {
    "warm_p95_ms": 150,
    "cold_ms": 1000,
    "scale_ratio": 1.5,
    "reference_ratio": 20,
    "floor_factor": 2,
    "floor_slack_ms": 50,
    "bytes": 1_000_000,
    "login_to_chart_ms": 2000,
    "load_p95_ms": 1500,
    "load_sessions": 100,
}


def ensure_warehouse(scale: float) -> tuple[Path, float | None]:
    from tilannekuva.demo import build_demo

    home = ROOT / "data" / "bench" / f"s{scale:g}"
    if (home / "warehouse" / "CURRENT").exists():
        return home, None
    print(f"building the scale-{scale:g} demo warehouse (once) …", flush=True)
    started = time.perf_counter()
    build_demo(home / "warehouse", scale=scale, seed=1, config_dir=home / "demo")
    return home, time.perf_counter() - started


def ensure_exports(home: Path) -> Path:
    from tilannekuva.ingest.exports import write_exports
    from tilannekuva.warehouse import current_file

    out = home.parent / f"{home.name}-exports-csv"
    if not (out / ".complete").exists():
        print("writing the CSV exports (once) …", flush=True)
        shutil.rmtree(out, ignore_errors=True)
        write_exports(current_file(home / "warehouse"), out, style="csv")
        (out / ".complete").write_text("ok")
    return out


def ingest_rate(exports: Path) -> dict:
    from tilannekuva.ingest.history import LoadHistory
    from tilannekuva.ingest.load import ingest

    target = ROOT / "data" / "bench" / "ingest-target"
    shutil.rmtree(target, ignore_errors=True)
    files = sorted(p for p in exports.iterdir() if p.suffix == ".csv")
    started = time.perf_counter()
    result = ingest(files, target / "warehouse", LoadHistory(target / "state" / "loads.sqlite"), run_by="bench")
    seconds = time.perf_counter() - started
    rows = result.rows_accepted
    shutil.rmtree(target, ignore_errors=True)
    return {"seconds": round(seconds, 1), "rows": rows, "rows_per_s": round(rows / seconds) if rows else None}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=TARGETS["load_sessions"])
    parser.add_argument("--load-seconds", type=float, default=120)
    parser.add_argument("--skip", nargs="*", default=[], choices=["reference", "ingest", "browser", "load"])
    parser.add_argument(
        "--reuse-pages",
        action="store_true",
        help="take the page results of an earlier run (bench-results/pages-s*.json) if present",
    )
    args = parser.parse_args()
    results: dict = {
        "machine": {"cores": os.cpu_count()},
        "started": dt.datetime.now().isoformat(),
        "targets": TARGETS,
        "scales": {},
    }
    out_dir = ROOT / "bench-results"
    out_dir.mkdir(exist_ok=True)
    homes = {}
    for scale in args.scales:
        home, built = ensure_warehouse(scale)
        homes[scale] = home
        print(f"scale {scale:g}: pages", flush=True)
        json_path = out_dir / f"pages-s{scale:g}.json"
        if args.reuse_pages and json_path.exists():
            results["scales"][f"{scale:g}"] = {**json.loads(json_path.read_text()), "build_seconds": built}
            continue
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "pages.py"),
                "--data-dir",
                str(home),
                "--runs",
                str(args.runs),
                "--out",
                str(json_path),
            ],
            check=True,
        )
        results["scales"][f"{scale:g}"] = {**json.loads(json_path.read_text()), "build_seconds": built}
    base_scale = f"{args.scales[0]:g}"
    base_home = homes[args.scales[0]]
    if "reference" not in args.skip or "ingest" not in args.skip:
        exports = ensure_exports(base_home)
    if "reference" not in args.skip:
        import duckdb
        import reference

        from tilannekuva.access import load_users
        from tilannekuva.warehouse import current_file

        con = duckdb.connect(str(current_file(base_home / "warehouse")), read_only=True)
        year = con.execute("select school_year_id from dim_school_year where is_current").fetchone()[0]
        con.close()
        unit = load_users(base_home / "demo" / "users.yaml")["rehtori"]["units"][0]
        print("pandas reference", flush=True)
        results["reference"] = reference.measure(exports, year, unit)
        (out_dir / "part-reference.json").write_text(json.dumps(results["reference"]))
    if "ingest" not in args.skip:
        print("ingest rate (CSV exports into an empty warehouse)", flush=True)
        results["ingest"] = ingest_rate(exports)
        print(f"  {results['ingest']}", flush=True)
    if "browser" not in args.skip:
        import browser

        from tilannekuva.demo import DEMO_PASSWORDS

        proc, base = browser.start_server(base_home)
        try:
            print("sign-in to first chart (Chromium)", flush=True)
            times = asyncio.run(browser.login_to_chart(base, "johto", DEMO_PASSWORDS["johto"]))
            results["login_to_chart_ms"] = {
                "median": round(statistics.median(times)),
                "runs": [round(x) for x in times],
            }
            print(f"  {results['login_to_chart_ms']}", flush=True)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    if "load" not in args.skip:
        import load

        print(f"{args.sessions} sessions for {args.load_seconds:g} s (websocket protocol, no browser)", flush=True)
        results["load"] = load.main(
            [
                "--sessions",
                str(args.sessions),
                "--seconds",
                str(args.load_seconds),
                "--data-dir",
                str(base_home),
                "--out",
                str(out_dir),
            ]
        )[0]
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out_dir / f"bench-{stamp}.json").write_text(json.dumps(results, indent=1))
    table = report(results, base_scale)
    (out_dir / f"bench-{stamp}.md").write_text(table)
    print(table)
    print(f"written: bench-results/bench-{stamp}.json, .md")


def report(results: dict, base_scale: str) -> str:
    t = TARGETS
    lines = [
        "| role | page | cold ms | warm p50 | warm p95 | floor ms (queries) | KiB sent | cold at largest scale | verdicts |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    scales = results["scales"]
    base = scales[base_scale]
    largest = scales[max(scales, key=float)] if len(scales) > 1 else None
    passes = fails = 0
    for row in base["pages"]:
        checks = {
            "warm p95 ≤ 150 ms": row["warm_p95_ms"] <= t["warm_p95_ms"],
            "cold ≤ 1 s": row["cold_ms"] <= t["cold_ms"],
            "≤ 2× floor + 50 ms": row["cold_ms"] <= t["floor_factor"] * row["floor_ms"] + t["floor_slack_ms"],
            "≤ 1 MB": row["bytes"] <= t["bytes"],
        }
        big = ""
        if largest is not None:
            other = next(r for r in largest["pages"] if r["page"] == row["page"])
            ratio = other["cold_ms"] / max(row["cold_ms"], 1)
            checks[f"scale ≤ {t['scale_ratio']}×"] = ratio <= t["scale_ratio"]
            big = f"{other['cold_ms']:.0f} ({ratio:.2f}×)"
        failed = [k for k, ok in checks.items() if not ok]
        passes += len(checks) - len(failed)
        fails += len(failed)
        lines.append(
            f"| {row['role']} | {row['page']} | {row['cold_ms']:.0f} | {row['warm_median_ms']:.0f} | "
            f"{row['warm_p95_ms']:.0f} | {row['floor_ms']:.0f} ({row['queries']}) | {row['bytes'] / 1024:.0f} | "
            f"{big} | {'PASS' if not failed else 'FAIL: ' + ', '.join(failed)} |"
        )
    lines.append("")
    lines.append(
        f"Page checks: {passes} pass, {fails} fail. Peak memory of the AppTest process: "
        + ", ".join(f"scale {s}: {v['peak_rss_mb']} MB" for s, v in scales.items())
    )
    if "reference" in results:
        lines += [
            "",
            "| reference page | pandas cold ms | ours cold ms | ratio | pandas warm ms | ours warm ms | ratio | verdict (≥ 20×) |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for page, ref in results["reference"].items():
            ours = next(r for r in base["pages"] if r["page"] == page)
            cold_ratio = ref["cold_ms"] / max(ours["cold_ms"], 0.1)
            warm_ratio = ref["warm_median_ms"] / max(ours["warm_median_ms"], 0.1)
            ok = min(cold_ratio, warm_ratio) >= t["reference_ratio"]
            lines.append(
                f"| {page} | {ref['cold_ms']:.0f} | {ours['cold_ms']:.0f} | {cold_ratio:.0f}× | "
                f"{ref['warm_median_ms']:.0f} | {ours['warm_median_ms']:.0f} | {warm_ratio:.1f}× | {verdict(ok)} |"
            )
    if "ingest" in results:
        i = results["ingest"]
        lines += [
            "",
            f"Ingest (scale-{base_scale} CSV exports into an empty warehouse): {i['rows']} rows in {i['seconds']} s "
            f"= {i['rows_per_s']} rows/s",
        ]
    if "login_to_chart_ms" in results:
        m = results["login_to_chart_ms"]["median"]
        lines += [
            "",
            f"Sign-in to first chart in Chromium: median {m} ms ({results['login_to_chart_ms']['runs']}) — "
            f"{verdict(m <= t['login_to_chart_ms'])} (≤ 2 s)",
        ]
    if "load" in results:
        import load

        lo = results["load"]
        ok = load.passed(lo, t["load_p95_ms"]) and lo["signed_in"] >= t["load_sessions"]
        errors = ", ".join(f"{k} {v}" for k, v in sorted(lo["errors"].items())) or "0 errors"
        lines += [
            "",
            f"Load, one app process, no browser (bench/load.py): {lo['sessions']} sessions, {lo['signed_in']} signed "
            f"in, {lo['sign_in_failed']} failed; {lo['script_runs']} runs ({lo['runs_per_s']}/s), {lo['downloads']} "
            f"downloads, {errors}; p50 {lo['p50_ms']} ms, p95 {lo['p95_ms']} ms, p99 {lo['p99_ms']} ms (sign-in p95 "
            f"{lo['sign_in_p95_ms']} ms); server CPU {lo['server_cpu_percent']} % of a core, "
            f"{lo['server_mb_per_session']} MB per session; load generator CPU {lo['generator_cpu_percent']} % — "
            f"{verdict(ok)} ({t['load_sessions']} sessions, 0 errors, p95 ≤ {t['load_p95_ms'] / 1000:g} s)",
        ]
        lines += [f"  error: {e}" for e in lo["error_examples"][:10]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
