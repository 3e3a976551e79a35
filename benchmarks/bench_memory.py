"""Kernel memory after opening the reader, against a kernel after `import pandas, ipywidgets`.

Two kernels are measured: one that imports pandas as well (a notebook that queries the DataFrames), and one that
only opens the reader, as a student's kernel and the Voilà app do (the edition cached: no pandas needed).

.venv/bin/python benchmarks/bench_memory.py [--kernels 3]
"""

import argparse
import json
import tempfile

from common import Kernel, main_guard, median

RSS = """
def rss_mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
"""
BASELINE = RSS + "import json, pandas, ipywidgets\nprint(json.dumps({'rss': rss_mb()}))"
MEASURED = RSS + (
    "import json, pandas, ipywidgets, reader\napp = reader.open()\ndisplay(app)\nprint(json.dumps({'rss': rss_mb()}))"
)
READING = RSS + "import json, reader\napp = reader.open()\ndisplay(app)\nprint(json.dumps({'rss': rss_mb()}))"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernels", type=int, default=3)
    arguments = parser.parse_args()
    environment = {"READER_NOTES_DIR": tempfile.mkdtemp(prefix="bench-notes-")}
    baseline, measured, reading = [], [], []
    for _ in range(arguments.kernels):
        for code, samples in ((BASELINE, baseline), (MEASURED, measured), (READING, reading)):
            kernel = Kernel(environment)
            try:
                samples.append(kernel.run(code)["rss"])
            finally:
                kernel.stop()
    extra = median(measured) - median(baseline)
    verdict = "meets target" if extra <= 15 else "MISSES target"
    print(
        f"kernel memory after reader.open(): {median(measured):.1f} MB | baseline import pandas, ipywidgets: "
        f"{median(baseline):.1f} MB | difference +{extra:.1f} MB (target ≤ +15 MB)  {verdict}"
    )
    reading_extra = median(reading) - median(baseline)
    print(
        f"kernel memory after reader.open() alone (no pandas): {median(reading):.1f} MB | baseline import pandas, "
        f"ipywidgets: {median(baseline):.1f} MB | difference {reading_extra:+.1f} MB"
    )
    print(
        json.dumps(
            {
                "measure": "kernel memory",
                "value": median(measured),
                "baseline": median(baseline),
                "difference": extra,
                "reading_kernel": median(reading),
                "reading_difference": reading_extra,
            }
        )
    )


if __name__ == "__main__":
    main_guard(main)
