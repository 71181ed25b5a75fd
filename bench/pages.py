"""Server-side page times through AppTest, one process per warehouse scale (so peak memory is per scale).

For every page of every demo role: cold = the first run after st.cache_data is cleared (the server
keeps its connections, as a running server does), warm = median and p95 of N further runs; the
query floor = the summed time of the warehouse fetches the cold run made (scope set-up, SQL,
suppression); bytes = the serialized size of every element the page sends to the browser.

    python bench/pages.py --data-dir data/bench/s1 --runs 20 --out bench-results/pages-s1.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USERS = {"johto": "sector_lead", "rehtori": "principal", "opettaja": "teacher", "admin": "admin"}


def element_bytes(node) -> int:
    """Bytes of the protobuf messages behind an AppTest element tree (what the browser receives)."""
    size = 0
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "ByteSize"):
        size += proto.ByteSize()
    for child in getattr(node, "children", {}).values():
        size += element_bytes(child)
    return size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ["TILANNEKUVA_MODE"] = "demo"
    os.environ["TILANNEKUVA_DATA_DIR"] = str(args.data_dir.resolve())
    os.environ["STREAMLIT_LOGGER_LEVEL"] = "error"

    import logging

    import streamlit as st

    from tests.helpers import app, login

    quiet = logging.getLogger("tilannekuva")  # the app's INFO lines (sign-ins) would drown the table
    quiet.addHandler(logging.NullHandler())
    quiet.setLevel(logging.WARNING)

    from tilannekuva.access import load_policy
    from tilannekuva.warehouse import Warehouse

    fetch_ms: list[float] = []
    original = Warehouse.fetch

    def timed_fetch(self, principal, query, **params):
        started = time.perf_counter()
        try:
            return original(self, principal, query, **params)
        finally:
            fetch_ms.append((time.perf_counter() - started) * 1000)

    Warehouse.fetch = timed_fetch
    policy = load_policy(ROOT / "roles.yaml")
    rows = []
    for user, role in USERS.items():
        at = login(user, at=app(timeout=120))  # the real form, as tests/helpers.py signs in
        for page_id in policy.roles[role].pages:
            st.cache_data.clear()
            fetch_ms.clear()
            started = time.perf_counter()
            at.switch_page(f"pages/{page_id}.py").run()
            cold = (time.perf_counter() - started) * 1000
            floor = sum(fetch_ms)
            queries = len(fetch_ms)
            if at.exception:
                raise SystemExit(f"{page_id}: {at.exception}")
            warm = []
            for _ in range(args.runs):
                started = time.perf_counter()
                at.run()
                warm.append((time.perf_counter() - started) * 1000)
            warm.sort()
            rows.append(
                {
                    "role": role,
                    "user": user,
                    "page": page_id,
                    "cold_ms": round(cold, 1),
                    "warm_median_ms": round(statistics.median(warm), 1),
                    "warm_p95_ms": round(warm[max(0, int(round(0.95 * len(warm))) - 1)], 1),
                    "floor_ms": round(floor, 1),
                    "queries": queries,
                    "bytes": element_bytes(at._tree),
                }
            )
            print(
                f"  {page_id:22s} cold {cold:7.0f} ms  warm p95 {rows[-1]['warm_p95_ms']:6.0f} ms  "
                f"floor {floor:6.0f} ms  {rows[-1]['bytes'] / 1024:7.0f} KiB",
                flush=True,
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"pages": rows, "peak_rss_mb": round(peak_mb)}, indent=1))


if __name__ == "__main__":
    main()
