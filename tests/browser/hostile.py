"""A hostile edition: every text field of a copy of the bundled edition carries an attack.

Each payload would set ``window.__pwned`` if it ever ran; the tests assert it never does and that the words are
shown literally.
"""

import csv
import shutil
from pathlib import Path

import yaml

from reader.paths import default_edition_path

MARK = "PAYLOAD"
PAYLOADS = [
    '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
    "<script>window.__pwned=1</script>",
    '<svg onload="window.__pwned=1"><circle r="5"/></svg>',
    '"><a href="javascript:window.__pwned=1">click</a>',
    "</style><style>body{display:none !important}</style>",
    '" style="position:fixed;inset:0;background:red" onmouseover="window.__pwned=1',
    "<iframe src=javascript:window.__pwned=1></iframe>",
    "\u202eevil right-to-left\u202c and zero\u200bwidth",
    "long " * 400,
]
# Columns that hold ids, numbers, dates, URLs or controlled values: left as they are, the loader checks those.
KEEP = {
    "entity_id",
    "kind",
    "aliases",
    "start",
    "end",
    "wikidata",
    "source_ids",
    "role_id",
    "paragraph",
    "surface",
    "event_id",
    "theme",
    "paragraphs",
    "note_id",
    "anchor",
    "claim_id",
    "quote",
    "claim_type",
    "verdict",
    "sources_for",
    "sources_against",
    "reference_id",
    "url",
    "date",
    "retrieved",
    "source_id",
    "membership",
    "stance",
    "question_id",
    "related",
    "essay_wording",
    "verbatim",
    "authors",
}


def payload(index: int) -> str:
    return f" {MARK}{index} {PAYLOADS[index % len(PAYLOADS)]}"


def make_hostile_edition(target: Path) -> Path:
    shutil.copytree(default_edition_path(), target)
    counter = 0
    for path in sorted(target.glob("*.csv")):
        if path.name == "mentions.csv":
            continue
        with path.open(encoding="utf-8", newline="") as csv_file:
            rows = list(csv.DictReader(csv_file))
        header = list(rows[0].keys()) if rows else []
        for row in rows:
            for column in header:
                if column in KEEP or (path.name == "paragraphs.csv" and column != "text"):
                    continue
                if path.name == "paragraphs.csv" or row[column]:
                    row[column] = row[column] + payload(counter)  # appended: mentions and anchors keep their place
                    counter += 1
        with path.open("w", encoding="utf-8", newline="") as csv_file:
            writer = csv.DictWriter(csv_file, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    for name in ("edition.yaml", "excerpt.yaml"):
        path = target / name
        document = yaml.safe_load(path.read_text(encoding="utf-8"))

        def poison(value):
            nonlocal counter
            if isinstance(value, dict):
                return {
                    key: (
                        value[key]
                        if key
                        in {
                            "quotation",
                            "essay_citation",
                            "paragraph",
                            "source_ids",
                            "url",
                            "date",
                            "status",
                            "published",
                        }
                        else poison(value[key])
                    )
                    for key in value
                }
            if isinstance(value, list):
                return [poison(item) for item in value]
            if isinstance(value, str):
                counter += 1
                return value + payload(counter)
            return value

        path.write_text(yaml.safe_dump(poison(document), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
