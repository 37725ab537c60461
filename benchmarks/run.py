"""Run the benchmarks: ``python benchmarks/run.py [--quick] [NAME ...]``.

Discovers ``benchmarks/bench_*.py``, calls each module's ``main(quick)``, prints a table
and writes ``benchmarks/results/<name>.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(HERE))
    return mod


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("names", nargs="*", help="benchmark module names (without bench_)")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = ap.parse_args(argv)
    files = sorted(HERE.glob("bench_*.py"))
    if args.names:
        files = [f for f in files if f.stem.removeprefix("bench_") in args.names]
        if not files:
            ap.error(f"no benchmark named {args.names}")
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "quick": args.quick}
    for f in files:
        rows = _load(f).main(quick=args.quick)
        (out_dir / f"{f.stem}.json").write_text(
            json.dumps({"machine": machine, "results": rows}, indent=1), encoding="utf-8"
        )
        print(f"== {f.stem}")
        for r in rows:
            shown = {"benchmark", "baseline", "baseline_s", "candidate", "candidate_s", "speedup"}
            extra = {k: v for k, v in r.items() if k not in shown}
            print(
                f"  {r['benchmark']}: {r['baseline']} {r['baseline_s'] * 1e3:.1f} ms, "
                f"{r['candidate']} {r['candidate_s'] * 1e3:.1f} ms, speedup "
                f"{r['speedup']:.1f}x  {extra or ''}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
