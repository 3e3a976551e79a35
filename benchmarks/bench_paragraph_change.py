"""A paragraph change in a real kernel, against setting one HTML widget's value to the paragraph's text.

    .venv/bin/python benchmarks/bench_paragraph_change.py [--rounds 30] [--edition PATH]

The reader's change renders the paragraph, its cards, notes, claims, questions and events and sends every changed
widget state to the front end over the kernel's comms, as in a notebook.
"""

import argparse
import json
import tempfile

from common import Kernel, main_guard, report

CODE = """
import json, time, statistics
import ipywidgets as widgets
import reader
edition = reader.load({edition!r})
app = reader.open({edition!r})
texts = [paragraph.text for paragraph in edition.all_paragraphs()]
count = edition.paragraph_count
baseline_widget = widgets.HTML()
order = [((step * 7) % count) + 1 for step in range({rounds} * count)]
app_times, baseline_times = [], []
for step, number in enumerate(order):
    if {fresh_every} and step and step % {fresh_every} == 0:
        app = reader.open({edition!r})  # a new app: nothing rendered or made yet, as for a student who just arrived
    t = time.perf_counter(); app.paragraph_number = number; app_times.append(time.perf_counter() - t)
    t = time.perf_counter(); baseline_widget.value = texts[number - 1]; baseline_times.append(time.perf_counter() - t)
print(json.dumps({{"app": app_times, "baseline": baseline_times}}))
"""


def measure(edition_path, rounds: int, fresh_every: int = 0) -> dict:
    """Change paragraphs ``rounds`` times through the edition (step 7); with ``fresh_every``, open a new app every
    that many changes, so that the same share of changes find a paragraph not yet rendered."""
    kernel = Kernel({"READER_NOTES_DIR": tempfile.mkdtemp(prefix="bench-notes-")})
    try:
        return kernel.run(CODE.format(edition=edition_path, rounds=rounds, fresh_every=fresh_every))
    finally:
        kernel.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--edition", default=None, help="an edition folder (default: the bundled edition)")
    arguments = parser.parse_args()
    from common import median, percentile

    samples = measure(arguments.edition, arguments.rounds)
    app, baseline = samples["app"], samples["baseline"]
    result = report("paragraph change (median)", median(app), "one HTML value set", median(baseline), 10.0)
    print(
        f"  reader: median {median(app) * 1000:.2f} ms, p99 {percentile(app, 0.99) * 1000:.2f} ms over "
        f"{len(app)} changes; baseline median {median(baseline) * 1000:.3f} ms, "
        f"p99 {percentile(baseline, 0.99) * 1000:.3f} ms"
    )
    print(json.dumps({**result, "p99": percentile(app, 0.99), "changes": len(app)}))


if __name__ == "__main__":
    main_guard(main)
