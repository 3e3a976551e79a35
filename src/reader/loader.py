"""Read an edition folder into pandas DataFrames, check it, and hand it to the model.

Every problem becomes one line naming the file, the line, the column and what was expected; the whole
pass raises one :class:`~reader.errors.EditionError`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from reader import __version__, cache
from reader.errors import EditionError
from reader.mentions import alias_occurrences, aliases_in_text, find_mentions
from reader.model import Edition
from reader.paths import default_edition_path
from reader.schema import (
    LIST_SEPARATOR,
    TABLES,
    TARGET_FILES,
    VERIFICATION_STATUSES,
    CellError,
    TableSpec,
    check_iso_date,
)

if TYPE_CHECKING:
    import pandas as pd

EDITION_FILE = "edition.yaml"
EXCERPT_FILE = "excerpt.yaml"


def load(path: str | Path | None = None) -> Edition:
    """The edition in ``path`` (a folder), or the default edition; raises EditionError if it is not valid."""
    folder = Path(path).expanduser() if path is not None else default_edition_path()
    if not folder.is_dir():
        raise EditionError(f"{folder}: no such edition folder")
    key = cache.edition_key(folder, __version__) if cache.enabled() else None
    cached = cache.read(key) if key else None
    if isinstance(cached, Edition):
        cached.folder = folder
        return cached
    tables, metadata, excerpt, rows = _read_and_check(folder)
    edition = Edition(folder=folder, tables=tables, metadata=metadata, excerpt_data=excerpt, rows=rows)
    if key:
        cache.write_edition(key, edition)
    return edition


def validated_tables(folder: Path) -> dict[str, pd.DataFrame | None]:
    """The edition's tables, read and checked again (for an edition whose cached DataFrames are gone)."""
    return _read_and_check(folder)[0]


def _read_and_check(folder: Path) -> tuple[dict, dict, dict | None, dict]:
    """The tables, the edition's and the excerpt's YAML, and each table's rows as dicts."""
    try:
        tables = {spec.name: _read_table(folder, spec) for spec in TABLES}
        metadata = _read_yaml(folder / EDITION_FILE, required=True)
        excerpt = _read_yaml(folder / EXCERPT_FILE, required=False)
        problems = _check_edition(tables, metadata, excerpt)
        if problems:
            raise EditionError(problems)
        rows = {name: (_rows(frame) if frame is not None else None) for name, frame in tables.items()}
        return tables, metadata, excerpt, rows
    finally:
        _ROWS_OF_TABLES.clear()


# --- reading -------------------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise EditionError(
            f"{path.name}, line {line}: byte 0x{raw[error.start]:02x} is not UTF-8; expected a file saved as UTF-8"
        ) from None


def _read_table(folder: Path, spec: TableSpec) -> pd.DataFrame | None:
    """One CSV as a DataFrame of parsed values, with the file line of each row in ``line``."""
    import csv  # here, not at the top: a cached edition needs neither csv, yaml nor pandas

    import pandas as pd

    path = folder / spec.file_name
    if not path.is_file():
        if spec.required:
            raise EditionError(
                f"{spec.file_name}: missing from {folder}; expected a CSV file with columns "
                + ", ".join(column.name for column in spec.columns)
            )
        return None
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise EditionError(
                f"{spec.file_name}: empty file; expected a header line with columns "
                + ", ".join(column.name for column in spec.columns)
            )
        header = [name.strip() for name in header]
        expected = [column.name for column in spec.columns]
        missing = [name for name in expected if name not in header]
        if missing:
            raise EditionError(
                f'{spec.file_name}, line 1: column "{missing[0]}" is missing; expected columns ' + ", ".join(expected)
            )
        unknown = [name for name in header if name not in expected]
        if unknown:
            raise EditionError(
                f'{spec.file_name}, line 1: column "{unknown[0]}" is not known; expected columns ' + ", ".join(expected)
            )
        duplicated = [name for name in header if header.count(name) > 1]
        if duplicated:
            raise EditionError(f'{spec.file_name}, line 1: column "{duplicated[0]}" appears twice')
        records, lines, problems = [], [], []
        positions = [(column.name, header.index(column.name), column.parse) for column in spec.columns]
        previous_line = reader.line_num
        for cells in reader:
            first_line = previous_line + 1
            previous_line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problems.append(
                    f"{spec.file_name}, line {first_line}: {len(cells)} cells; expected {len(header)} "
                    "(a comma inside a value needs the value in double quotes)"
                )
                continue
            record = {}
            for name, position, parse in positions:
                try:
                    record[name] = parse(cells[position])
                except CellError as error:
                    problems.append(f'{spec.file_name}, line {first_line}, column "{name}": {error}')
            records.append(record)
            lines.append(first_line)
    except csv.Error as error:
        raise EditionError(f"{spec.file_name}, line {reader.line_num}: {error}; expected valid CSV") from None
    if problems:
        raise EditionError(problems)
    # Text stays object dtype so that an empty cell is None (pandas' str dtype would make it NaN).
    frame = pd.DataFrame(records, columns=expected, dtype=object)
    frame.insert(0, "line", lines)
    whole_numbers = [column.name for column in spec.columns if column.kind in ("int", "offset")]
    frame = frame.astype({"line": "int64", **dict.fromkeys(whole_numbers, "int64")})
    rows = [{"line": line, **record} for line, record in zip(lines, records, strict=True)]
    _ROWS_OF_TABLES[id(frame)] = (frame, rows)
    return frame


def _read_yaml(path: Path, required: bool) -> dict | None:
    import yaml

    if not path.is_file():
        if required:
            raise EditionError(f"{path.name}: missing from {path.parent}; expected the edition's YAML description")
        return None
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: several times faster
        document = yaml.load(_read_text(path), Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise EditionError(f"{path.name}{where}: {problem}; expected valid YAML") from None
    if not isinstance(document, dict):
        raise EditionError(f"{path.name}: expected a YAML mapping of keys to values at the top level")
    return document


# --- checking ------------------------------------------------------------------------------------------------


# The rows of each whole table as dicts, kept from reading (with their line) for the checks and the model: an order
# of magnitude faster than DataFrame.iterrows, and no second conversion. Keyed by id, holding the frame itself, so
# an id can never be mistaken for another frame's; emptied when the edition has been checked.
_ROWS_OF_TABLES: dict[int, tuple[pd.DataFrame, list[dict]]] = {}


def _rows(frame: pd.DataFrame) -> list[dict]:
    kept = _ROWS_OF_TABLES.get(id(frame))
    if kept is not None and kept[0] is frame:
        return kept[1]
    return frame.to_dict("records")


def _where(table: str, line: int, column: str | None = None) -> str:
    return f"{table}.csv, line {line}" + (f', column "{column}"' if column else "")


def _check_edition(tables: dict[str, pd.DataFrame | None], metadata: dict, excerpt: dict | None) -> list[str]:
    problems: list[str] = []
    problems += _check_keys(tables)
    paragraphs = tables["paragraphs"]
    problems += _check_paragraph_numbers(paragraphs)
    if problems:
        return problems
    texts = dict(zip(paragraphs["paragraph"], paragraphs["text"], strict=True))
    citable = _citable_ids(tables, problems)
    problems += _check_references(tables, texts, citable)
    problems += _check_date_ranges(tables)
    problems += _check_quotes(tables, texts)
    problems += _check_aliases_and_mentions(tables, texts)
    problems += _check_metadata(metadata, citable)
    if excerpt is not None:
        problems += _check_excerpt(excerpt, texts, citable)
    return problems


def _check_keys(tables) -> list[str]:
    problems = []
    for spec in TABLES:
        frame = tables[spec.name]
        if frame is None or spec.key is None:
            continue
        for row in _rows(frame[frame[spec.key].duplicated()]):
            problems.append(
                f"{_where(spec.name, row['line'], spec.key)}: {row[spec.key]!r} is used twice; expected each id once"
            )
    return problems


def _check_paragraph_numbers(paragraphs: pd.DataFrame) -> list[str]:
    if paragraphs.empty:
        return ["paragraphs.csv: no paragraphs; expected at least one row"]
    for expected_number, (_, row) in enumerate(paragraphs.iterrows(), start=1):
        if row["paragraph"] != expected_number:
            return [
                f"{_where('paragraphs', row['line'], 'paragraph')}: {row['paragraph']}; expected "
                f"{expected_number} (paragraphs are numbered 1, 2, 3 ... in reading order)"
            ]
    return []


def _citable_ids(tables, problems: list[str]) -> set[str]:
    sources = set(tables["sources"]["source_id"])
    references = tables["references"]
    for row in _rows(references[references["reference_id"].isin(sources)]):
        problems.append(
            f"{_where('references', row['line'], 'reference_id')}: {row['reference_id']!r} is also a "
            "source id; expected ids unique across sources.csv and references.csv"
        )
    return sources | set(references["reference_id"])


def _check_references(tables, texts: dict[int, str], citable: set[str]) -> list[str]:
    """Every id a row names must exist: sources, entities, paragraphs."""
    problems = []
    entity_ids = set(tables["entities"]["entity_id"])
    apparatus_ids = (
        set(tables["notes"]["note_id"]) | set(tables["claims"]["claim_id"]) | set(tables["events"]["event_id"])
    )
    known_ids = {"sources": citable, "entities": entity_ids, "apparatus": apparatus_ids}
    for spec in TABLES:
        frame = tables[spec.name]
        checked = [
            column
            for column in spec.columns
            if column.kind in ("ref", "refs", "paragraphs")
            or (column.name == "paragraph" and spec.name != "paragraphs")
        ]
        if frame is None or not checked:
            continue
        for row in _rows(frame):
            for column in checked:
                value = row[column.name]
                if column.kind in ("ref", "refs"):
                    known = known_ids[column.target]
                    for item in (value,) if column.kind == "ref" else value:
                        if item not in known:
                            problems.append(
                                f"{_where(spec.name, row['line'], column.name)}: {item!r} is not an id "
                                f"in {TARGET_FILES[column.target]}; expected {column.expectation()}"
                            )
                else:
                    for number in (value,) if column.kind == "int" else value:
                        if number not in texts:
                            problems.append(
                                f"{_where(spec.name, row['line'], column.name)}: paragraph {number} "
                                f"does not exist; expected a number from 1 to {len(texts)}"
                            )
    presidium = tables["presidium"]
    if presidium is not None:
        kinds = dict(zip(tables["entities"]["entity_id"], tables["entities"]["kind"], strict=True))
        for row in _rows(presidium):
            if kinds.get(row["entity_id"], "person") != "person":
                problems.append(
                    f"{_where('presidium', row['line'], 'entity_id')}: {row['entity_id']!r} is a "
                    f"{kinds[row['entity_id']]}; expected the id of a person"
                )
    return problems


def _date_key(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.split("-"))


def _check_date_ranges(tables) -> list[str]:
    problems = []
    for spec in TABLES:
        frame = tables[spec.name]
        if frame is None:
            continue
        for start_column, end_column in spec.date_ranges:
            for row in _rows(frame):
                start, end = row[start_column], row[end_column]
                if start and end:
                    length = min(len(_date_key(start)), len(_date_key(end)))
                    if _date_key(end)[:length] < _date_key(start)[:length]:
                        problems.append(
                            f"{_where(spec.name, row['line'], end_column)}: {end} is before "
                            f"{start_column} {start}; expected an end on or after the start"
                        )
    return problems


def _check_quotes(tables, texts: dict[int, str]) -> list[str]:
    """Anchors of notes, quotes of claims and the essay's wording of events must be the essay's own words."""
    problems = []
    for table, column in (("notes", "anchor"), ("claims", "quote")):
        for row in _rows(tables[table]):
            if row["paragraph"] in texts and row[column] not in texts[row["paragraph"]]:
                problems.append(
                    f"{_where(table, row['line'], column)}: {_shorten(row[column])!r} is not in "
                    f"¶{row['paragraph']}; expected words copied exactly from that paragraph"
                )
    for row in _rows(tables["notes"]):
        if row["kind"] == "sic" and not row["reading"]:
            problems.append(f"{_where('notes', row['line'], 'reading')}: empty; expected the reading of a [sic] note")
    for row in _rows(tables["events"]):
        wording = row["essay_wording"]
        if wording and not any(wording in texts[number] for number in row["paragraphs"] if number in texts):
            problems.append(
                f"{_where('events', row['line'], 'essay_wording')}: {_shorten(wording)!r} is not in "
                "the paragraphs of this event; expected words copied exactly from one of them"
            )
    return problems


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_aliases_and_mentions(tables, texts: dict[int, str]) -> list[str]:
    problems = []
    entities, mentions = tables["entities"], tables["mentions"]
    alias_owner: dict[str, str] = {}
    all_aliases = {
        alias: entity_id
        for entity_id, aliases in zip(entities["entity_id"], entities["aliases"], strict=True)
        for alias in aliases
    }
    occurrences = alias_occurrences(texts, all_aliases)
    occurring = aliases_in_text(texts, all_aliases, occurrences)
    for row in _rows(entities):
        for alias in row["aliases"]:
            if alias in alias_owner and alias_owner[alias] != row["entity_id"]:
                problems.append(
                    f"{_where('entities', row['line'], 'aliases')}: {alias!r} is also an alias of "
                    f"{alias_owner[alias]!r}; expected each spelling on one card"
                )
            elif alias not in occurring:
                problems.append(
                    f"{_where('entities', row['line'], 'aliases')}: {alias!r} does not occur in the "
                    "text; expected spellings used in the essay"
                )
            alias_owner[alias] = row["entity_id"]
    if problems:
        return problems
    aliases_of = {
        entity_id: set(aliases) for entity_id, aliases in zip(entities["entity_id"], entities["aliases"], strict=True)
    }
    recorded = set()
    for row in _rows(mentions):
        where = _where("mentions", row["line"])
        text = texts.get(row["paragraph"], "")
        if row["paragraph"] not in texts:
            continue  # reported with the references
        if not row["start"] < row["end"] <= len(text):
            problems.append(
                f'{where}, column "end": {row["start"]}–{row["end"]} is outside ¶{row["paragraph"]} '
                f"({len(text)} characters); expected start < end <= {len(text)}"
            )
            continue
        actual = text[row["start"] : row["end"]]
        if actual != row["surface"]:
            problems.append(
                f'{where}, column "surface": {row["surface"]!r} does not match the text at '
                f"{row['start']}–{row['end']} of ¶{row['paragraph']}, which reads {actual!r}; "
                "expected the exact words (run: reader mentions --write)"
            )
        elif row["surface"] not in aliases_of.get(row["entity_id"], {row["surface"]}):
            problems.append(
                f'{where}, column "surface": {row["surface"]!r} is not an alias of '
                f"{row['entity_id']!r}; expected one of the spellings on its card"
            )
        recorded.add((row["paragraph"], row["start"], row["end"], row["entity_id"]))
    if problems:
        return problems
    kinds = dict(zip(entities["entity_id"], entities["kind"], strict=True))
    for span in find_mentions(texts, alias_owner, kinds, occurrences):
        if (span.paragraph, span.start, span.end, span.entity_id) not in recorded:
            problems.append(
                f"mentions.csv: {span.surface!r} in ¶{span.paragraph} at {span.start} ({span.entity_id}) "
                "has no row; expected every mention listed (run: reader mentions --write)"
            )
    return problems


def _check_mapping(document: dict, file_name: str, required: tuple[str, ...]) -> list[str]:
    return [
        f"{file_name}: key {key!r} is missing or empty; expected a value"
        for key in required
        if document.get(key) in (None, "", [], {})
    ]


def _check_source_list(value, file_name: str, where: str, citable: set[str]) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else str(value).split(LIST_SEPARATOR)
    return [
        f"{file_name}: {where}: source {str(item).strip()!r} is not an id in sources.csv or references.csv"
        for item in items
        if str(item).strip() not in citable
    ]


def _check_verification(items, file_name: str, citable: set[str]) -> list[str]:
    problems = []
    if not isinstance(items, list):
        return [f"{file_name}: key 'verification' must be a list of parts with part, status and how"]
    for number, item in enumerate(items, start=1):
        where = f"verification item {number}"
        if not isinstance(item, dict) or not item.get("part") or not item.get("how"):
            problems.append(f"{file_name}: {where}: expected keys 'part', 'status' and 'how'")
            continue
        if item.get("status") not in VERIFICATION_STATUSES:
            problems.append(
                f"{file_name}: {where} ({item['part']}): status {item.get('status')!r}; expected one of "
                + ", ".join(repr(status) for status in VERIFICATION_STATUSES)
            )
        problems += _check_source_list(item.get("source_ids"), file_name, where, citable)
    return problems


def _check_metadata(metadata: dict, citable: set[str]) -> list[str]:
    problems = _check_mapping(metadata, EDITION_FILE, ("title", "provenance"))
    published = metadata.get("published")
    if published and str(published) != "not verified":
        try:
            check_iso_date(str(published))
        except CellError as error:
            problems.append(f"{EDITION_FILE}: key 'published': {error}")
    if "verification" in metadata:
        problems += _check_verification(metadata["verification"], EDITION_FILE, citable)
    return problems


def _check_excerpt(excerpt: dict, texts: dict[int, str], citable: set[str]) -> list[str]:
    problems = _check_mapping(
        excerpt,
        EXCERPT_FILE,
        (
            "quotation",
            "essay_citation",
            "paragraph",
            "claim_supported",
            "document",
            "verification",
            "context",
        ),
    )
    if problems:
        return problems
    paragraph = excerpt["paragraph"]
    if not isinstance(paragraph, int) or paragraph not in texts:
        return [f"{EXCERPT_FILE}: key 'paragraph': {paragraph!r}; expected a paragraph number from 1 to {len(texts)}"]
    for key in ("quotation", "essay_citation"):
        if str(excerpt[key]) not in texts[paragraph]:
            problems.append(
                f"{EXCERPT_FILE}: key {key!r}: {_shorten(str(excerpt[key]))!r} is not in ¶{paragraph}; "
                "expected the words exactly as the essay gives them"
            )
    document = excerpt["document"]
    if not isinstance(document, dict) or not document.get("title"):
        problems.append(f"{EXCERPT_FILE}: key 'document': expected a mapping with at least a 'title'")
    else:
        if document.get("date"):
            try:
                check_iso_date(str(document["date"]))
            except CellError as error:
                problems.append(f"{EXCERPT_FILE}: key 'document.date': {error}")
        for number, identifier in enumerate(document.get("identifiers") or [], start=1):
            if not isinstance(identifier, dict) or not identifier.get("scheme") or not identifier.get("value"):
                problems.append(f"{EXCERPT_FILE}: document identifier {number}: expected keys 'scheme' and 'value'")
            else:
                problems += _check_source_list(
                    identifier.get("source_ids"), EXCERPT_FILE, f"document identifier {number}", citable
                )
    problems += _check_verification(excerpt["verification"], EXCERPT_FILE, citable)
    context = excerpt["context"]
    if not isinstance(context, list):
        problems.append(f"{EXCERPT_FILE}: key 'context': expected a list of items with 'text' and 'source_ids'")
    else:
        for number, item in enumerate(context, start=1):
            if not isinstance(item, dict) or not item.get("text") or not item.get("source_ids"):
                problems.append(f"{EXCERPT_FILE}: context item {number}: expected 'text' and at least one source id")
            else:
                problems += _check_source_list(item["source_ids"], EXCERPT_FILE, f"context item {number}", citable)
    for number, related in enumerate(excerpt.get("related_documents") or [], start=1):
        if not isinstance(related, dict) or not related.get("citation"):
            problems.append(f"{EXCERPT_FILE}: related document {number}: expected a mapping with a 'citation'")
        else:
            problems += _check_source_list(
                related.get("source_ids"), EXCERPT_FILE, f"related document {number}", citable
            )
    return problems
