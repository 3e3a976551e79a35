"""A course of editions: what the shared register and the choice of text cost, each in fresh interpreters.

    .venv/bin/python benchmarks/bench_course.py [--runs 9]

1. ``reader.load()`` of the first edition, cached, in the course (its cache key also covers the telegram's
   ``edition.yaml`` and ``mentions.csv``, for the cards' "Also in") against the same edition copied alone.
2. ``reader.open_course(class_mode=True)`` (every bundled edition checked, the choice of text, the first reader)
   against ``reader.open(class_mode=True)`` (the first reader alone).

Timed inside each interpreter, from before ``import reader`` to the end; runs alternate, so noise falls on both.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPOSITORY, main_guard, median, report

LOAD = "import time; t = time.perf_counter(); import reader; reader.load({path}); print(time.perf_counter() - t)"
OPEN = (
    "import time; t = time.perf_counter(); import reader; reader.{call}(class_mode=True); "
    "print(time.perf_counter() - t)"
)


def timed(code: str, environment: dict) -> float:
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment, cwd=REPOSITORY
    )
    return float(output.stdout.strip().splitlines()[-1])


def alternate(first: str, second: str, environment: dict, runs: int) -> tuple[float, float]:
    timed(first, environment), timed(second, environment)  # fill the cache of validated editions
    firsts, seconds = [], []
    for _ in range(runs):
        firsts.append(timed(first, environment))
        seconds.append(timed(second, environment))
    return median(firsts), median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as temporary:
        environment = {
            **os.environ,
            "XDG_CACHE_HOME": str(Path(temporary) / "cache"),
            "READER_NOTES_DIR": str(Path(temporary) / "notes"),
        }
        environment.pop("READER_EDITION", None)
        alone = Path(temporary) / "alone" / "khrushchevs-purges"
        shutil.copytree(REPOSITORY / "data" / "khrushchevs-purges", alone)
        in_course, by_itself = alternate(LOAD.format(path=""), LOAD.format(path=repr(str(alone))), environment, runs)
        results = [
            report(
                "reader.load() cached, the first edition in the course",
                in_course,
                "the same edition alone",
                by_itself,
                1.10,
            )
        ]
        course, single = alternate(OPEN.format(call="open_course"), OPEN.format(call="open"), environment, runs)
        results.append(
            report(
                "reader.open_course(class_mode=True), 2 editions", course, "reader.open(class_mode=True)", single, 1.5
            )
        )
    print(json.dumps({"runs": runs, "results": results}))


if __name__ == "__main__":
    main_guard(main)
