"""Run every benchmark and stitch their sections into docs/benchmarks.md.

Run: make bench   (or .venv/bin/python -m bench.run_all [--only NAME ...] [--stitch-only])
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from rich.console import Console

from bench.common import REPO, SECTIONS

console = Console()

# (section name, module, args): the order is the order in docs/benchmarks.md
BENCHES: list[tuple[str, str, list[str]]] = [
    ("service_overhead", "bench.service_overhead", ["--seconds", "10", "--rounds", "2"]),
    ("backends_compare", "bench.backends_compare", []),
    ("generalisation", "bench.generalisation", []),
    ("credit_flow", "bench.credit_flow", []),
    ("load", "bench.load", []),
    ("faults", "bench.faults", ["--trials", "50", "--pg-restarts", "2"]),
    ("memory", "bench.memory", ["--requests", "1000"]),
    ("risk_measured", "bench.risk", []),
]

HEADER = """# Benchmarks

Every number here is produced by a command in `bench/`; `make bench` reruns them all and
rewrites this file. The machines are shared and noisy, so comparisons are measured side by
side in the same run and given as ratios where that is what matters.
"""


def stitch() -> None:
    parts = [HEADER]
    names = [b[0] for b in BENCHES]
    extra = sorted(p.stem for p in SECTIONS.glob("*.md") if p.stem not in names)
    for name in [*names, *extra]:
        path = SECTIONS / f"{name}.md"
        if path.exists():
            parts.append(path.read_text(encoding="utf-8"))
    (REPO / "docs" / "benchmarks.md").write_text("\n".join(parts), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", help="section names to rerun")
    ap.add_argument("--stitch-only", action="store_true")
    args = ap.parse_args()
    if not args.stitch_only:
        for name, module, extra in BENCHES:
            if args.only and name not in args.only:
                continue
            console.rule(name)
            t0 = time.monotonic()
            done = subprocess.run([sys.executable, "-m", module, *extra], cwd=REPO, check=False)
            if done.returncode != 0:
                # the bench printed why; stop before stitching a half-updated page
                console.print(f"[red]{name} failed (exit {done.returncode}); nothing stitched")
                raise SystemExit(done.returncode)
            console.print(f"{name}: {time.monotonic() - t0:.0f} s")
    stitch()
    console.print(f"wrote {REPO / 'docs' / 'benchmarks.md'}")


if __name__ == "__main__":
    main()
