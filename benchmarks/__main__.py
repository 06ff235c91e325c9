"""``python -m benchmarks [--smoke] [--cases N] [--only NAME]``: run every benchmark and print
one table with the machine it ran on (cores, CPU, load average at the start).

Rows with a reference are measured as interleaved pairs (ours and the reference alternately,
several rounds); the table gives the medians, the median of the per-pair ratios and the
lowest-highest of those ratios (the spread), and the previous full run's figure for the same
row from ``benchmarks/results/history.jsonl``, so a regression shows. A full run appends one
line to that history and writes ``benchmarks/results/latest.json``; it exits 1 when a row
misses its budget or a benchmark fails (``make bench``)."""

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

from benchmarks.harness import RESULTS, Row, commit, machine

HISTORY = RESULTS / "history.jsonl"

Bench = Callable[[int, bool], list[Row]]


def _benches() -> list[tuple[str, Bench]]:
    from benchmarks import bench_core

    benches: list[tuple[str, Bench]] = [
        ("demo", lambda n, smoke: [bench_core.demo_build(n, smoke)]),
        ("query mix", lambda n, smoke: [bench_core.query_mix(n, smoke)]),
        ("first start", lambda n, smoke: [bench_core.first_start(n, smoke)]),
        ("verify command", lambda n, smoke: [bench_core.verify_command(n, smoke)]),
        ("verify audit", lambda n, smoke: [bench_core.verify_audit(
            1_000 if smoke else 100_000, smoke)]),
    ]
    for module_name in ("bench_case_filter", "bench_ui", "bench_handouts",
                        "bench_meeting_room", "bench_figures", "bench_rekey",
                        "bench_pg_server"):
        try:
            module = __import__(f"benchmarks.{module_name}", fromlist=["rows"])
        except ModuleNotFoundError as exc:
            if exc.name != f"benchmarks.{module_name}":
                raise
            continue
        if hasattr(module, "rows"):
            benches.append((module_name, module.rows))
    return benches


def previous_runs() -> dict[tuple[str, str], dict[str, object]]:
    """The last full run's row for each (what, size), from the history."""
    found: dict[tuple[str, str], dict[str, object]] = {}
    try:
        lines = HISTORY.read_text(encoding="utf-8").splitlines()
    except OSError:
        return found
    for line in lines:
        try:
            run = json.loads(line)
        except ValueError:
            continue
        for row in run.get("rows", []):
            found[(str(row.get("what")), str(row.get("size")))] = row
    return found


def format_table(rows: list[Row],
                 previous: dict[tuple[str, str], dict[str, object]] | None = None) -> str:
    head = ("what", "size", "ours (low-high)", "reference", "ratio (low-high)", "budget", "ok",
            "last run")
    body = []
    for r in rows:
        ref = "" if r.reference is None else f"{r.reference:.1f} {r.unit}"
        ours = f"{r.ours:.1f} {r.unit}"
        if r.ours_spread is not None and r.samples > 1:
            ours += f" ({r.ours_spread[0]:.1f}-{r.ours_spread[1]:.1f})"
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        if r.ratio_spread is not None and r.samples > 1:
            ratio += f" ({r.ratio_spread[0]:.2f}-{r.ratio_spread[1]:.2f})"
        ok = "" if r.ok is None else ("yes" if r.ok else "NO")
        last = ""
        before = (previous or {}).get((r.what, r.size))
        if before is not None:
            last = f"{float(before['ours']):.1f} {r.unit}"  # type: ignore[arg-type]
            if before.get("ratio") is not None:
                last += f", {float(before['ratio']):.2f}"  # type: ignore[arg-type]
        body.append((r.what, r.size, ours, ref, ratio, r.budget, ok, last))
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
    where = machine()
    print(f"machine: {where['cores']} cores, {where['cpu']}; load average at start "
          f"{' '.join(str(x) for x in where['load_average'])}", file=sys.stderr)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
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
    where["load_average_end"] = machine()["load_average"]
    print(f"machine: {where['cores']} cores, {where['cpu']}; load average at start "
          f"{' '.join(str(x) for x in where['load_average'])}, at the end "
          f"{' '.join(str(x) for x in where['load_average_end'])}; commit {commit()}")
    print(format_table(rows, None if args.smoke else previous_runs()))
    missed = [r for r in rows if r.ok is False]
    if not args.smoke:
        run = {"at": started, "commit": commit(), "machine": where, "cases": cases,
               "only": args.only, "rows": [r.to_json() for r in rows]}
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "latest.json").write_text(json.dumps(run, indent=2))
        with HISTORY.open("a", encoding="utf-8") as history:
            history.write(json.dumps(run) + "\n")
    if missed:
        print(f"{len(missed)} row(s) missed their budget: "
              + "; ".join(f"{r.what} ({r.size})" for r in missed), file=sys.stderr)
    return 1 if failures or missed else 0


if __name__ == "__main__":
    sys.exit(main())
