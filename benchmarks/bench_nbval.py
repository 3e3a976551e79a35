"""Strict nbval over all notebooks, against one trivial notebook run as many times as there are notebooks.

.venv/bin/python benchmarks/bench_nbval.py [--runs 3]

Each run is a whole pytest session (as `./run-tests` starts one), the two alternating; medians are compared.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from common import REPOSITORY, main_guard, median, report
from nbclient import NotebookClient


def pytest_seconds(paths) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(REPOSITORY / "tests" / "sanitize.cfg"),
            *map(str, paths),
        ],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    notebooks = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    folder = Path(tempfile.mkdtemp(prefix="bench-nbval-"))
    trivial = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    trivial.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    NotebookClient(trivial, kernel_name="python3").execute()
    copies = []
    for number in range(len(notebooks)):
        path = folder / f"trivial-{number}.ipynb"
        nbformat.write(trivial, path)
        copies.append(path)
    pytest_seconds(copies[:1])  # warm the file system and the interpreter's caches alike
    baselines, measures = [], []
    for _ in range(arguments.runs):
        baselines.append(pytest_seconds(copies))
        measures.append(pytest_seconds(notebooks))
    baseline, measured = median(baselines), median(measures)
    print(f"  runs: notebooks {[round(v, 2) for v in measures]} s, trivial {[round(v, 2) for v in baselines]} s")
    result = report(
        f"strict nbval over {len(notebooks)} notebooks",
        measured,
        f"a trivial notebook × {len(notebooks)}",
        baseline,
        1.2,
        unit="s",
        scale=1,
    )
    shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main_guard(main)
