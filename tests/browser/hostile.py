"""A hostile edition: every text field of a copy of the bundled edition carries an attack.

Each payload would set ``window.__pwned`` if it ever ran; the tests assert it never does and that the words are
shown literally.
"""

import csv
import shutil
from pathlib import Path

import yaml

from reader.paths import default_edition_path
from reader.schema import EDITION_KEYS, EXCERPT_KEYS, TABLES, roster_spec

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


def _kept_yaml_keys(keys) -> set[str]:
    kept = set()
    for key in keys:
        if key.kind in ("mapping", "list"):
            kept |= _kept_yaml_keys(key.keys)
        elif key.kind != "text" or key.essay_words:
            kept.add(key.name)
    return kept


# Columns and keys that hold ids, numbers, dates, URLs, controlled values or the essay's own words (which must match
# the text): left as they are, the loader checks those. Everything else in the schema is text, and is poisoned.
KEEP = {column.name for table in TABLES for column in table.columns if column.kind != "text" or column.essay_words}
KEEP_YAML = _kept_yaml_keys(EDITION_KEYS + EXCERPT_KEYS)
# Text keys that name something another file must match (a roster's CSV file, its column names, allowed values and
# note column, a theme's id used in events.csv): the loader refuses them poisoned, so they are left as they are.
KEEP_YAML |= {"file", "name", "values", "id", "note"}


def payload(index: int) -> str:
    return f" {MARK}{index} {PAYLOADS[index % len(PAYLOADS)]}"


def _roster_kept_columns(edition_yaml: Path) -> dict[str, set[str]]:
    """A roster's columns that are not free text (ids, sources, declared values), by the roster's file name."""
    rosters = yaml.safe_load(edition_yaml.read_text(encoding="utf-8")).get("rosters") or []
    kept = {}
    for roster in rosters:
        spec = roster_spec(roster)
        kept[spec.file_name] = {column.name for column in spec.columns if column.kind != "text"}
    return kept


def make_hostile_edition(target: Path) -> Path:
    shutil.copytree(default_edition_path(), target)
    counter = 0
    roster_kept = _roster_kept_columns(target / "edition.yaml")
    for path in sorted(target.glob("*.csv")):
        if path.name == "mentions.csv":
            continue
        keep = KEEP | roster_kept.get(path.name, set())
        with path.open(encoding="utf-8", newline="") as csv_file:
            rows = list(csv.DictReader(csv_file))
        header = list(rows[0].keys()) if rows else []
        for row in rows:
            for column in header:
                if column in keep:
                    continue
                if path.name == "paragraphs.csv" or row[column]:
                    row[column] = row[column] + payload(counter)  # appended: mentions and anchors keep their place
                    counter += 1
        with path.open("w", encoding="utf-8", newline="") as csv_file:
            writer = csv.DictWriter(csv_file, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        if path.name == "paragraphs.csv":  # the text is attacked too: source.txt, its copy, must agree with it
            (target / "source.txt").write_text("\n\n".join(row["text"] for row in rows) + "\n", encoding="utf-8")
    for name in ("edition.yaml", "excerpt.yaml"):
        path = target / name
        document = yaml.safe_load(path.read_text(encoding="utf-8"))

        def poison(value):
            nonlocal counter
            if isinstance(value, dict):
                return {key: (value[key] if key in KEEP_YAML else poison(value[key])) for key in value}
            if isinstance(value, list):
                return [poison(item) for item in value]
            if isinstance(value, str):
                counter += 1
                return value + payload(counter)
            return value

        path.write_text(yaml.safe_dump(poison(document), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
