"""The `tilannekuva` command: demo data now; loads and user admin join it as they are built."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from tilannekuva.settings import ConfigError, load_settings


def _demo(args: argparse.Namespace) -> int:
    from tilannekuva.demo import DEMO_PASSWORDS, build_demo
    from tilannekuva.warehouse import WarehouseUnavailable, current_file

    settings = load_settings({**os.environ, "TILANNEKUVA_MODE": "demo"})
    data_dir = Path(args.data_dir).resolve() if args.data_dir else settings.data_dir
    warehouse_dir = data_dir / "warehouse"
    if args.if_missing:
        try:
            print(f"A warehouse is already published: {current_file(warehouse_dir)}")
            return 0
        except WarehouseUnavailable:
            pass
    result = build_demo(warehouse_dir, scale=args.scale, seed=args.seed, config_dir=data_dir / "demo")
    total = sum(result.row_counts.values())
    print(f"Built {result.path.name} in {result.seconds:.1f} s ({total:,} rows)")
    for table, rows in result.row_counts.items():
        print(f"  {table:<36} {rows:>12,}")
    print("Demo accounts (username / password): " + ", ".join(f"{u} / {p}" for u, p in DEMO_PASSWORDS.items()))
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
    demo.set_defaults(handler=_demo)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args)
    except (ConfigError, ValueError) as exc:
        print(f"tilannekuva: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
