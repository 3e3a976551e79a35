"""A synthetic edition ×100 (about 1,100 paragraphs, 5,200 cards, 4,400 events), made by a script, not committed.

    .venv/bin/python benchmarks/bench_scale.py [--factor 100]

Load time (cold: full validation; warm: the cache of validated editions) against the real edition and against
`import pandas, ipywidgets`; the paragraph change against the real edition's, in a real kernel.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_import_load import BASELINE, timed
from bench_paragraph_change import measure
from common import REPOSITORY, main_guard, median, report

LOAD = "import time, reader; t = time.perf_counter(); reader.load({path!r}); print(time.perf_counter() - t)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-scale-")) / f"edition-x{arguments.factor}"
    subprocess.run(
        [
            sys.executable,
            str(REPOSITORY / "benchmarks" / "make_synthetic_edition.py"),
            str(folder),
            "--factor",
            str(arguments.factor),
        ],
        check=True,
        capture_output=True,
    )
    real = None
    warm, cold = {**os.environ}, {**os.environ, "READER_CACHE": "0"}
    timed(LOAD.format(path=str(folder)), warm)
    timed(LOAD.format(path=real), warm)
    samples = {name: [] for name in ("floor", "real cold", "big cold", "real warm", "big warm")}
    for _ in range(arguments.runs):
        samples["floor"].append(timed(BASELINE, warm))
        samples["real cold"].append(timed(LOAD.format(path=real), cold))
        samples["big cold"].append(timed(LOAD.format(path=str(folder)), cold))
        samples["real warm"].append(timed(LOAD.format(path=real), warm))
        samples["big warm"].append(timed(LOAD.format(path=str(folder)), warm))
    floor = median(samples["floor"])
    results = [
        report(
            f"load ×{arguments.factor}, cold (validation)",
            median(samples["big cold"]),
            "import pandas, ipywidgets",
            floor,
            1.0,
        ),
        report(
            f"load ×{arguments.factor}, cold",
            median(samples["big cold"]),
            "load of the real edition, cold",
            median(samples["real cold"]),
            float(arguments.factor),
        ),
        report(
            f"load ×{arguments.factor}, warm (cached)",
            median(samples["big warm"]),
            "import pandas, ipywidgets",
            floor,
            1.0,
        ),
    ]
    # Both editions visited the same way: every paragraph twice (step 7), so half the changes find a paragraph not
    # yet rendered; the real edition's 11 paragraphs are repeated with a new app every 22 changes to get as many
    # samples. Then the real edition's steady state (everything rendered), for reference.
    big = measure(str(folder), rounds=2)
    small = measure(None, rounds=40, fresh_every=22)
    steady = measure(None, rounds=20)
    results.append(
        report(
            f"paragraph change ×{arguments.factor} (median), each paragraph visited twice",
            median(big["app"]),
            "real edition, visited the same way",
            median(small["app"]),
            1.2,
        )
    )
    results.append(
        report(
            f"paragraph change ×{arguments.factor} (median)",
            median(big["app"]),
            "real edition, every paragraph already rendered",
            median(steady["app"]),
            None,
        )
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main_guard(main)
