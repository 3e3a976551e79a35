"""Write a synthetic edition N times the size of the bundled one (not committed; for benchmarks only).

    .venv/bin/python benchmarks/make_synthetic_edition.py OUT_FOLDER [--factor 100]

Copy k of every paragraph, note, claim, question, event and role gets new numbers and ids; copy k of every card
gets the id "<id>-k<k>" (the spellings stay on the original cards, so each copied paragraph's mentions resolve to
them). The result passes `reader check`.
"""

import argparse
import csv
import shutil
from pathlib import Path

from reader.cli import main as reader_cli
from reader.paths import default_edition_path


def rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as csv_file:
        reader = csv.DictReader(csv_file)
        return list(reader.fieldnames), list(reader)


def write(path: Path, header: list[str], items: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as csv_file:
        writer = csv.DictWriter(csv_file, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--factor", type=int, default=100)
    arguments = parser.parse_args()
    source, out = default_edition_path(), arguments.out
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(source, out)
    (out / "excerpt.yaml").unlink()
    _, paragraphs = rows(source / "paragraphs.csv")
    count = len(paragraphs)

    def renumber(value: str, copy: int) -> str:
        return ";".join(str(int(number) + copy * count) for number in value.split(";") if number)

    def suffix_ids(value: str, copy: int) -> str:
        return ";".join(f"{item}-k{copy}" if copy else item for item in value.split(";") if item)

    tables = {}
    for name in ("paragraphs", "entities", "roles", "events", "notes", "claims", "questions"):
        header, items = rows(source / f"{name}.csv")
        copies = []
        for copy in range(arguments.factor):
            for item in items:
                item = dict(item)
                if name == "paragraphs":
                    item["paragraph"] = str(int(item["paragraph"]) + copy * count)
                if name == "entities":
                    item["entity_id"] = suffix_ids(item["entity_id"], copy)
                    item["aliases"] = item["aliases"] if copy == 0 else ""
                if name == "roles":
                    item["entity_id"] = suffix_ids(item["entity_id"], copy)
                for key in ("event_id", "note_id", "claim_id", "question_id"):
                    if key in item:
                        item[key] = suffix_ids(item[key], copy)
                if "related" in item:
                    item["related"] = suffix_ids(item["related"], copy)
                if "paragraphs" in item:
                    item["paragraphs"] = renumber(item["paragraphs"], copy)
                if name in ("notes", "claims", "questions"):
                    item["paragraph"] = str(int(item["paragraph"]) + copy * count)
                copies.append(item)
        tables[name] = (header, copies)
    for name, (header, items) in tables.items():
        write(out / f"{name}.csv", header, items)
    reader_cli(["mentions", str(out), "--write"])
    print(f"wrote a ×{arguments.factor} edition to {out}")


if __name__ == "__main__":
    main()
