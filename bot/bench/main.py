"""``python -m bot bench``: every benchmark of the project, in one run, with its figures.

Speed is measured here, never asserted in tests. ``--quick`` runs each benchmark small (a
smoke test of the benchmarks themselves); ``--only NAME`` runs some of them. The figures and
the command that produced them are recorded in BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from locales import t


def _pacing(quick: bool) -> dict[str, Any]:
    from bot.bench.pacing import bench_pacing

    result = asyncio.run(bench_pacing(300 if quick else 3000, officials=200 if quick else 2000))
    result.pop("table", None)
    return result


def _delivery(quick: bool) -> dict[str, Any]:
    from bot.bench.delivery import bench_delivery

    return asyncio.run(bench_delivery(500 if quick else 5000))


def _understanding(quick: bool) -> dict[str, Any]:
    from bot.bench.handling import bench_understanding

    return bench_understanding(1000 if quick else 10_000)


def _handling(quick: bool) -> dict[str, Any]:
    from bot.bench.handling import bench_handling

    return bench_handling(500 if quick else 10_000)


def _telegram(quick: bool) -> dict[str, Any]:
    from bot.bench.telegram_path import bench_telegram_path

    return asyncio.run(bench_telegram_path(100 if quick else 1000))


def _planning(quick: bool) -> dict[str, Any]:
    from bot.bench.handling import bench_planning

    if quick:
        return bench_planning(33, 100, db_orgs=10)
    return bench_planning(3300, 100, db_orgs=3300)


BENCHES: dict[str, Callable[[bool], dict[str, Any]]] = {
    "pacing": _pacing,
    "delivery": _delivery,
    "understanding": _understanding,
    "handling": _handling,
    "telegram": _telegram,
    "planning": _planning,
}


def run_bench(*, quick: bool = False, only: list[str] | None = None) -> int:
    names = only or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(
            t(
                "vi",
                "Không có các phép đo {names}; có: {known}",
                names=", ".join(unknown),
                known=", ".join(BENCHES),
            ),
            file=sys.stderr,
        )
        return 2
    results: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "quick": quick,
    }
    for name in names:
        print(f"== {name} ==", flush=True)
        start = time.perf_counter()
        results[name] = BENCHES[name](quick)
        results[name]["wall_seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps(results[name], ensure_ascii=False, indent=1, default=str), flush=True)
    print("== all ==")
    print(json.dumps(results, ensure_ascii=False, default=str))
    return 0
