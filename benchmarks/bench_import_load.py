"""import reader + load the edition, against `import pandas, ipywidgets`, each in fresh interpreters.

    .venv/bin/python benchmarks/bench_import_load.py [--runs 15]

Timed inside each interpreter (from before the first import to after the load), so Python's own start-up is not
counted on either side. Runs alternate between the two, so machine noise falls on both alike.
"""

import argparse
import json
import os
import subprocess
import sys

from common import REPOSITORY, main_guard, median, report

BASELINE = "import time; t = time.perf_counter(); import pandas, ipywidgets; print(time.perf_counter() - t)"
MEASURED = "import time; t = time.perf_counter(); import reader; reader.load(); print(time.perf_counter() - t)"
MEASURED_WITH_WIDGETS = (
    "import time; t = time.perf_counter(); import reader, ipywidgets; reader.load(); print(time.perf_counter() - t)"
)


def timed(code: str, environment: dict) -> float:
    output = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=REPOSITORY,
    ).stdout
    return float(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    warm = {**os.environ}
    cold = {**os.environ, "READER_CACHE": "0"}
    timed(MEASURED, warm)  # fills the cache of validated editions, as the first kernel of a class does
    samples = {"baseline": [], "warm": [], "warm+widgets": [], "cold": []}
    for _ in range(arguments.runs):
        samples["baseline"].append(timed(BASELINE, warm))
        samples["warm"].append(timed(MEASURED, warm))
        samples["warm+widgets"].append(timed(MEASURED_WITH_WIDGETS, warm))
        samples["cold"].append(timed(MEASURED, cold))
    baseline = median(samples["baseline"])
    results = [
        report(
            "import reader + load (validated edition cached)",
            median(samples["warm"]),
            "import pandas, ipywidgets",
            baseline,
            1.10,
        ),
        report(
            "import reader, ipywidgets + load (cached)",
            median(samples["warm+widgets"]),
            "import pandas, ipywidgets",
            baseline,
            1.10,
        ),
        report(
            "import reader + load, cold (full validation, READER_CACHE=0)",
            median(samples["cold"]),
            "import pandas, ipywidgets",
            baseline,
            None,
        ),
    ]
    print(json.dumps({"runs": arguments.runs, "results": results}))


if __name__ == "__main__":
    main_guard(main)
