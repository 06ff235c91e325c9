"""``python -m benchmarks [--smoke] [--cases N]``: run every benchmark and print one table;
the full run writes ``benchmarks/results/latest.json``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["CASUSKAMER_KDF_SECONDS"] = "0"

from benchmarks.harness import RESULTS, Row

Bench = Callable[[int, bool], list[Row]]


def _benches() -> list[tuple[str, Bench]]:
    from benchmarks import bench_core

    benches: list[tuple[str, Bench]] = [
        ("demo", lambda n, smoke: [bench_core.demo_build(n, smoke)]),
        ("query mix", lambda n, smoke: [bench_core.query_mix(n, smoke)]),
        ("verify audit", lambda n, smoke: [bench_core.verify_audit(
            1_000 if smoke else 100_000, smoke)]),
    ]
    for module_name in ("bench_case_filter", "bench_ui", "bench_handouts",
                        "bench_meeting_room", "bench_figures", "bench_rekey"):
        try:
            module = __import__(f"benchmarks.{module_name}", fromlist=["rows"])
        except ModuleNotFoundError as exc:
            if exc.name != f"benchmarks.{module_name}":
                raise
            continue
        if hasattr(module, "rows"):
            benches.append((module_name, module.rows))
    return benches


def format_table(rows: list[Row]) -> str:
    head = ("what", "size", "ours", "reference", "ratio", "budget", "ok")
    body = []
    for r in rows:
        ref = "" if r.reference is None else f"{r.reference:.1f} {r.unit}"
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        ok = "" if r.ok is None else ("yes" if r.ok else "NO")
        body.append((r.what, r.size, f"{r.ours:.1f} {r.unit}", ref, ratio, r.budget, ok))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = [" | ".join(str(v).ljust(w) for v, w in zip(head, widths)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(str(v).ljust(w) for v, w in zip(row, widths)) for row in body]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no budgets")
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--only", default=None, help="run the benches whose name has this")
    args = parser.parse_args(argv)
    cases = args.cases or (40 if args.smoke else 100_000)
    rows: list[Row] = []
    failures = 0
    for name, bench in _benches():
        if args.only and args.only not in name:
            continue
        start = time.perf_counter()
        try:
            rows.extend(bench(cases, args.smoke))
        except Exception:  # noqa: BLE001 - report and go on with the other rows
            failures += 1
            print(f"benchmark {name} failed:", file=sys.stderr)
            traceback.print_exc()
        print(f"  [{name}: {time.perf_counter() - start:.1f} s]", file=sys.stderr)
    print(format_table(rows))
    if not args.smoke:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "latest.json").write_text(json.dumps(
            {"cases": cases, "rows": [r.to_json() for r in rows]}, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
