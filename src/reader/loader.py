"""Read an edition folder into pandas DataFrames, check it, and hand it to the model.

Every problem becomes one line naming the file, the line, the column and what was expected; the whole
pass raises one :class:`~reader.errors.EditionError`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader import cache, textfiles
from reader._version import __version__
from reader.errors import EditionError
from reader.mentions import alias_occurrences, aliases_in_text, find_mentions
from reader.model import Edition, prepared_tables
from reader.paths import edition_folder, listed_editions
from reader.schema import (
    ID_PATTERN,
    MINIMUM_CONTRAST,
    READER_BACKGROUND,
    REGISTER_TABLES,
    SOURCE_TEXT,
    TABLES,
    TABLES_BY_NAME,
    TARGET_FILES,
    YAML_FILES,
    YAML_REQUIRED,
    CellError,
    Key,
    TableSpec,
    check_iso_date,
    contrast_ratio,
    control_character_problem,
    edition_file_names,
    lookalike_letters,
    roster_spec,
    text_warnings,
)

if TYPE_CHECKING:
    import pandas as pd

    from reader.textfiles import YamlDocument

EDITION_FILE = "edition.yaml"
EXCERPT_FILE = "excerpt.yaml"
DOCUMENTS_FILE = "documents.yaml"


def load(path: str | Path | None = None) -> Edition:
    """The edition in ``path`` (a folder, or the name of an edition ``editions.yaml`` lists), or the default edition;
    raises EditionError if it is not valid.

    ``edition.warnings`` lists what is valid but likely to mislead (lines like ``file, line L, column C: ...``).
    """
    if path is None and not os.environ.get("READER_EDITION") and (shipped := cache.shipped_edition()) is not None:
        return shipped
    folder = edition_folder(path)
    if not folder.is_dir():
        what = "is not a folder" if textfiles.exists(folder) else "no such edition folder"
        raise EditionError(f"{folder}: {what}" + _bundled_names_hint(path))
    problems = [problem for name in edition_file_names() if (problem := textfiles.file_problem(folder / name))]
    if problems:
        raise EditionError(problems)
    key = cache.edition_key(folder, __version__, _cached_file_names(folder)) if cache.enabled() else None
    cached = cache.read(key) if key else None
    if isinstance(cached, Edition):
        cached.folder = folder
        return cached
    tables, metadata, documents, rows, warnings, course = _read_and_check(folder)
    edition = Edition(
        folder=folder, tables=tables, metadata=metadata, documents_data=documents, rows=rows, course=course
    )
    edition.warnings = tuple(warnings)
    edition.tables_source = tables_again
    if key:
        cache.write_edition(key, edition)
    return edition


def _bundled_names_hint(argument) -> str:
    """For a bare name that is no folder: the names of the bundled editions it could have meant."""
    if not isinstance(argument, str) or "/" in argument or "\\" in argument:
        return ""
    try:
        names = [folder.name for folder in listed_editions()]
    except EditionError:
        return ""
    return "; expected an edition folder, or the name of a bundled edition: " + ", ".join(names)


def _cached_file_names(folder: Path) -> tuple[str, ...]:
    """The files the cache key is made of: the fixed ones, and every CSV of the folder (rosters among them); with a
    register, its files and the mentions and edition.yaml of every edition beside it (their "Also in")."""
    try:
        csv_names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".csv"))
    except OSError:
        csv_names = []
    shared: list[str] = []
    declared = _declared_register(folder)
    register_folder = _register_folder(folder, declared) if declared else None
    if register_folder is not None:
        shared = [str(register_folder / spec.file_name) for spec in REGISTER_TABLES]
    for member in _course_members(folder, register_folder):
        shared += [str(member / EDITION_FILE), str(member / "mentions.csv")]
    return tuple(dict.fromkeys((*edition_file_names(), *csv_names, *shared)))


def tables_again(edition: Edition) -> dict:
    """The prepared tables of an edition whose model came from the cache: from the cache, else read and checked."""
    tables = cache.read(edition.tables_key) if edition.tables_key else None
    if isinstance(tables, dict):
        return tables
    return prepared_tables(validated_tables(edition.folder))


def validated_tables(folder: Path) -> dict[str, pd.DataFrame | None]:
    """The edition's tables, read and checked again (for an edition whose cached DataFrames are gone)."""
    return _read_and_check(folder)[0]


def _collect(problems: list[str], read, *arguments):
    """The value ``read`` returns, or None with its problems added: every file is read before any is refused."""
    try:
        return read(*arguments)
    except EditionError as error:
        problems += error.problems
        return None


def _read_and_check(folder: Path) -> tuple[dict, dict, list[dict], dict, list[str], dict[str, list]]:
    """The tables, the edition's YAML, its quoted documents, each table's rows as dicts, the warnings, and where
    else in the course each of its register's cards appears.

    Every file is read and checked on its own first, and all their problems are reported together (a bare folder
    hears of every missing file at once); the checks across files follow when every file could be read.
    """
    warnings: list[str] = []
    problems: list[str] = []
    try:
        tables = {spec.name: _collect(problems, _read_table, folder, spec, warnings) for spec in TABLES}
        documents = {name: _collect(problems, _read_yaml, folder / name, YAML_REQUIRED[name]) for name in YAML_FILES}
        for name, document in documents.items():
            if document is not None:
                problems += _check_yaml(document, YAML_FILES[name], warnings)
        edition_document = documents[EDITION_FILE]
        rosters: list[TableSpec] = []
        if edition_document is not None and not problems:
            rosters = _roster_specs(edition_document, problems)
            for spec in rosters:
                problem = textfiles.file_problem(folder / spec.file_name)
                if problem:
                    problems.append(problem)
                    continue
                tables[spec.name] = _collect(problems, _read_table, folder, spec, warnings)
        register = _register(folder, edition_document, problems) if edition_document is not None else None
        if register is not None:
            for spec in register.specs:
                tables[spec.name] = _collect(problems, _read_table, register.folder.parent, spec, warnings)
        if problems:
            raise EditionError(problems)
        if edition_document is None:  # _read_yaml raised already: edition.yaml is required
            raise EditionError(f"{EDITION_FILE}: missing from {folder}")
        quoted = [
            (document, path)
            for name in (EXCERPT_FILE, DOCUMENTS_FILE)
            if (document := documents[name]) is not None
            for path in (
                [()]
                if name == EXCERPT_FILE
                else [("documents", index) for index in range(len(document.value["documents"]))]
            )
        ]
        problems = _check_edition(tables, edition_document, quoted, rosters, register)
        problems += _check_themes(edition_document, tables["events"])
        problems += _check_source_text(folder, tables["paragraphs"])
        if problems:
            raise EditionError(problems)
        if register is not None:
            tables = _with_register_cards(tables, register, rosters)
        members = _course_members(folder, register.folder if register is not None else None)
        course = _course_appearances(members, set(tables["entities"]["entity_id"]), warnings) if members else {}
        rows = {name: (_rows(frame) if frame is not None else None) for name, frame in tables.items()}
        quoted_documents = [_value_at(document.value, path) for document, path in quoted]
        return tables, edition_document.value, quoted_documents, rows, warnings, course
    finally:
        _ROWS_OF_TABLES.clear()


# --- a register shared by the editions of a course ------------------------------------------------------------


@dataclass(frozen=True)
class Register:
    """The folder of cards several editions share (edition.yaml's ``register``), and its tables' specs."""

    folder: Path
    specs: tuple[TableSpec, ...]

    def table(self, name: str) -> str:
        return f"{self.folder.name}/{name}"

    @property
    def entities(self) -> str:
        return self.table("entities")


def _register_folder(edition_folder: Path, declared: str) -> Path:
    return (edition_folder / declared).resolve()


def _register(folder: Path, document: YamlDocument, problems: list[str]) -> Register | None:
    """The register edition.yaml names (a folder, relative to the edition's), or None; a problem if it is none."""
    declared = document.value.get("register")
    if not declared or not isinstance(declared, str):
        return None
    register_folder = _register_folder(folder, declared)
    if not register_folder.is_dir() or register_folder == folder.resolve():
        problems.append(
            f"{document.where(('register',))}: key 'register': {declared!r} is not a folder; expected the folder of "
            "the course's shared cards (entities.csv, sources.csv, roles.csv), relative to this edition's folder, "
            "like '../register'"
        )
        return None
    specs = tuple(dataclasses.replace(spec, name=f"{register_folder.name}/{spec.name}") for spec in REGISTER_TABLES)
    return Register(register_folder, specs)


def register_cards(folder: Path) -> pd.DataFrame | None:
    """The cards of the register the edition in ``folder`` names (for ``reader mentions``), or None."""
    declared = _declared_register(folder)
    if not declared:
        return None
    register_folder = _register_folder(folder, declared)
    spec = dataclasses.replace(TABLES_BY_NAME["entities"], name=f"{register_folder.name}/entities")
    return read_table(register_folder.parent, spec)


def _check_register(tables, register: Register) -> list[str]:
    """The register on its own (ids, sources, dates), and its ids apart from the edition's own."""
    problems = _check_keys(tables, register.specs)
    cards, sources = tables[register.entities], tables[register.table("sources")]
    known = {"sources": set(sources["source_id"]), "entities": set(cards["entity_id"]), "apparatus": set()}
    problems += _check_references(tables, {}, set(), register.specs, known_ids=known)
    problems += _check_date_ranges(tables, register.specs)
    for row in _rows(tables["entities"]):
        if row["entity_id"] in known["entities"]:
            problems.append(
                f"{_where('entities', row['line'], 'entity_id')}: {row['entity_id']!r} is also a card of the "
                f"register {register.folder.name}; expected one card per entity (remove this one, or the register's)"
            )
    own_sources = set(tables["sources"]["source_id"]) | set(tables["references"]["reference_id"])
    for row in _rows(sources):
        if row["source_id"] in own_sources:
            problems.append(
                f"{_where(register.table('sources'), row['line'], 'source_id')}: {row['source_id']!r} is also a "
                "source of this edition; expected ids unique across the register and the edition"
            )
    return problems


def _with_register_cards(tables: dict, register: Register, rosters: list[TableSpec]) -> dict:
    """The edition's tables with the register's cards it uses (mentioned, or on a roster), their roles and sources."""
    import pandas as pd

    cards = tables[register.entities]
    used = set(tables["mentions"]["entity_id"])
    for spec in rosters:
        used |= set(tables[spec.name]["entity_id"])
    cards = cards[cards["entity_id"].isin(used)]
    # A card shows the spellings of this text ("In the telegram as"): a register's card holds every text's.
    surfaces: dict[str, set[str]] = {}
    for entity_id, surface in zip(tables["mentions"]["entity_id"], tables["mentions"]["surface"], strict=True):
        surfaces.setdefault(entity_id, set()).add(surface)
    cards = cards.assign(
        aliases=[
            tuple(alias for alias in aliases if any(alias in surface for surface in surfaces.get(entity_id, ())))
            for entity_id, aliases in zip(cards["entity_id"], cards["aliases"], strict=True)
        ]
    )
    roles = tables[register.table("roles")]
    roles = roles[roles["entity_id"].isin(used)] if roles is not None else None
    cited = {source_id for ids in cards["source_ids"] for source_id in ids}
    if roles is not None:
        cited |= {source_id for ids in roles["source_ids"] for source_id in ids}
    sources = tables[register.table("sources")]
    merged = {name: frame for name, frame in tables.items() if not name.startswith(f"{register.folder.name}/")}
    for name, extra in (("entities", cards), ("roles", roles), ("sources", sources[sources["source_id"].isin(cited)])):
        if extra is not None and len(extra):
            merged[name] = pd.concat([tables[name], extra], ignore_index=True)
    return merged


def _course_members(folder: Path, register_folder: Path | None) -> list[Path]:
    """The other editions of the course of ``folder``: those beside the register that name it in their edition.yaml,
    and the register itself when it is an edition (an edition's cards may serve the course); for an edition without
    a register, the editions beside it that take their cards from it. In name order."""
    own = folder.resolve()
    shared = register_folder if register_folder is not None else own
    members = []
    if register_folder is not None and (register_folder / "paragraphs.csv").is_file():
        members.append(register_folder)
    with contextlib.suppress(OSError):
        for candidate in sorted(shared.parent.iterdir()):
            if candidate.resolve() in (own, shared) or not candidate.is_dir():
                continue
            declared = _declared_register(candidate)
            if declared and _register_folder(candidate, declared) == shared:
                members.append(candidate)
    return members


REGISTER_LINE = re.compile(r"^register:[ \t]*['\"]?([^'\"#\n]+?)['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)


def _declared_register(folder: Path) -> str | None:
    """The register an edition folder's edition.yaml names (read without a YAML parser: for keys and siblings)."""
    path = folder / EDITION_FILE
    if not path.is_file():
        return None
    try:
        found = REGISTER_LINE.search(textfiles.read_text(path))
    except EditionError:
        return None
    return found.group(1).strip() if found else None


def _course_appearances(members: list[Path], entity_ids: set[str], warnings: list[str]) -> dict:
    """Where else in the course each card appears: {entity_id: [(edition name, title, paragraphs)]}."""
    appearances: dict[str, list] = {}
    for sibling in members:
        try:
            mentions = read_table(sibling, TABLES_BY_NAME["mentions"])
            title = str(textfiles.read_yaml(sibling / EDITION_FILE).value.get("title") or sibling.name)
        except (EditionError, AttributeError) as error:
            warnings.append(f"{sibling.name}: not read for the cards' 'Also in': {error}")
            continue
        if mentions is None:
            continue
        paragraphs: dict[str, set[int]] = {}
        for entity_id, number in zip(mentions["entity_id"], mentions["paragraph"], strict=True):
            if entity_id in entity_ids:
                paragraphs.setdefault(entity_id, set()).add(int(number))
        for entity_id, numbers in paragraphs.items():
            appearances.setdefault(entity_id, []).append((sibling.name, title, tuple(sorted(numbers))))
    return appearances


def _value_at(value, path: tuple):
    for part in path:
        value = value[part]
    return value


ROSTER_COLUMN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _roster_specs(document: YamlDocument, problems: list[str]) -> list[TableSpec]:
    """The tables the edition's ``rosters`` declare, with a problem for each declaration that cannot be one."""
    specs = []
    fixed = set(edition_file_names())
    for index, roster in enumerate(document.value.get("rosters") or ()):
        where = ("rosters", index)
        file_name = roster["file"]
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*\.csv", file_name) or file_name in fixed:
            problems.append(
                f"{document.where((*where, 'file'))}: key {_label((*where, 'file'))!r}: {file_name!r}; expected the "
                "name of a CSV file of this folder in lower-case letters, digits and hyphens (like 'vote.csv'), "
                "other than the edition's own files"
            )
            continue
        names = [column["name"] for column in roster["columns"]]
        for column_index, column in enumerate(roster["columns"]):
            column_where = (*where, "columns", column_index)
            if not ROSTER_COLUMN_NAME.fullmatch(column["name"]) or column["name"] in ("entity_id", "source_ids"):
                problems.append(
                    f"{document.where((*column_where, 'name'))}: key {_label((*column_where, 'name'))!r}: "
                    f"{column['name']!r}; expected a column name of lower-case letters, digits and underscores, "
                    "other than entity_id and source_ids"
                )
            elif names.count(column["name"]) > 1:
                problems.append(
                    f"{document.where((*column_where, 'name'))}: key {_label((*column_where, 'name'))!r}: "
                    f"{column['name']!r} is declared twice; expected each column once"
                )
            note = column.get("note")
            if note and note not in names:
                problems.append(
                    f"{document.where((*column_where, 'note'))}: key {_label((*column_where, 'note'))!r}: "
                    f"{note!r} is not a column of this roster; expected one of " + ", ".join(names)
                )
        specs.append(roster_spec(roster))
    return specs


def _check_themes(document: YamlDocument, events: pd.DataFrame | None) -> list[str]:
    """Declared themes: ids unique, colours readable on the reader's background; every event's theme declared."""
    themes = document.value.get("themes") or []
    problems = []
    seen: set[str] = set()
    for index, theme in enumerate(themes):
        where = ("themes", index)
        if not ID_PATTERN.fullmatch(theme["id"]) or theme["id"] in seen:
            problems.append(
                f"{document.where((*where, 'id'))}: key {_label((*where, 'id'))!r}: {theme['id']!r} is "
                + ("declared twice" if theme["id"] in seen else "not a valid id")
                + "; expected a unique id of lower-case letters, digits and hyphens"
            )
        seen.add(theme["id"])
        ratio = contrast_ratio(theme["colour"], READER_BACKGROUND)
        if ratio < MINIMUM_CONTRAST:
            problems.append(
                f"{document.where((*where, 'colour'))}: key {_label((*where, 'colour'))!r}: {theme['colour']} has a "
                f"contrast of {ratio:.2f}:1 on the reader's background {READER_BACKGROUND}; expected at least "
                f"{MINIMUM_CONTRAST}:1 (a darker colour)"
            )
    if themes and events is not None:
        for row in _rows(events):
            if row["theme"] not in seen:
                problems.append(
                    f"{_where('events', row['line'], 'theme')}: {row['theme']!r} is not allowed; expected one of "
                    + ", ".join(repr(theme_id) for theme_id in seen)
                    + " (the themes edition.yaml declares)"
                )
    return problems


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _check_source_text(folder: Path, paragraphs: pd.DataFrame | None) -> list[str]:
    """When source.txt is present, every paragraph's text is in it, in order (spaces and line breaks aside)."""
    path = folder / SOURCE_TEXT
    if paragraphs is None or not textfiles.exists(path):
        return []
    source = _normalised(textfiles.read_text(path))
    position = 0
    for row in _rows(paragraphs):
        found = source.find(_normalised(row["text"]), position)
        if found < 0:
            elsewhere = source.find(_normalised(row["text"])) >= 0
            return [
                f"{_where('paragraphs', row['line'], 'text')}: ¶{row['paragraph']} is not in {SOURCE_TEXT}"
                + (" after the paragraph before it" if elsewhere else "")
                + f"; expected every paragraph's text copied from {SOURCE_TEXT}, in order (spaces and line "
                "breaks aside)"
            ]
        position = found + len(_normalised(row["text"]))
    return []


# --- reading -------------------------------------------------------------------------------------------------


def read_table(folder: Path, spec: TableSpec) -> pd.DataFrame | None:
    """One CSV of an edition as a DataFrame of parsed values, with the file line of each row in ``line``.

    None for an optional table the edition does not have; EditionError for a file or a cell that is not valid.
    """
    return _read_table(folder, spec, [])


def _read_table(folder: Path, spec: TableSpec, warnings: list[str] | None = None) -> pd.DataFrame | None:
    import csv  # here, not at the top: a cached edition needs neither csv, yaml nor pandas

    warnings = [] if warnings is None else warnings
    path = folder / spec.file_name
    expected = [column.name for column in spec.columns]
    if not textfiles.exists(path):
        if spec.required:
            raise EditionError(
                f"{spec.file_name}: missing from {folder}; expected a CSV file with columns "
                + ", ".join(column.name for column in spec.columns if not column.may_be_absent)
            )
        if spec.empty_if_absent:
            return _frame(spec, [], [])
        return None
    text = textfiles.read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    first_line = 1
    try:
        header = next(reader, None)
        if header is None:
            raise EditionError(
                f"{spec.file_name}: empty file; expected a header line with columns "
                + ", ".join(column.name for column in spec.columns)
            )
        former = {old: column.name for column in spec.columns for old in column.former_names}
        header = [former.get(name.strip(), name.strip()) for name in header]
        missing = [column.name for column in spec.columns if column.name not in header and not column.may_be_absent]
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
        positions = [(column, header.index(column.name)) for column in spec.columns if column.name in header]
        absent = {column.name: column.parse("") for column in spec.columns if column.name not in header}
        warned_columns = [(column.name, position) for column, position in positions if column.kind in ("text", "list")]
        seen_rows: dict[tuple, int] = {}
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
            record = dict(absent)
            for column, position in positions:
                try:
                    record[column.name] = column.parse(cells[position])
                except CellError as error:
                    problems.append(f'{spec.file_name}, line {first_line}, column "{column.name}": {error}')
            for name, position in warned_columns:
                for warning in text_warnings(cells[position]):
                    warnings.append(f'{spec.file_name}, line {first_line}, column "{name}": {warning}')
            same = tuple(cell.strip() for cell in cells)
            if same in seen_rows:
                problems.append(
                    f"{spec.file_name}, line {first_line}: the same row as line {seen_rows[same]}; "
                    "expected each row once"
                )
            seen_rows.setdefault(same, first_line)
            records.append(record)
            lines.append(first_line)
        first_line = previous_line + 1
    except csv.Error as error:
        opened = _unclosed_quote(text, first_line)
        if opened:
            quote_line, quote_column = opened
            raise EditionError(
                f"{spec.file_name}, line {quote_line}, column {quote_column}: "
                "a quoted value starts here and is never closed; "
                'expected a closing double quote (")'
            ) from None
        raise EditionError(f"{spec.file_name}, line {reader.line_num}: {error}; expected valid CSV") from None
    if problems:
        raise EditionError(problems)
    return _frame(spec, records, lines)


def _frame(spec: TableSpec, records: list[dict], lines: list[int]) -> pd.DataFrame:
    """The table's DataFrame (every column of the spec, in its order), its rows kept for the checks."""
    import pandas as pd

    # Text stays object dtype so that an empty cell is None (pandas' str dtype would make it NaN).
    frame = pd.DataFrame(records, columns=[column.name for column in spec.columns], dtype=object)
    frame.insert(0, "line", lines)
    whole_numbers = [column.name for column in spec.columns if column.kind in ("int", "offset")]
    frame = frame.astype({"line": "int64", **dict.fromkeys(whole_numbers, "int64")})
    rows = [{"line": line, **record} for line, record in zip(lines, records, strict=True)]
    _ROWS_OF_TABLES[id(frame)] = (frame, rows)
    return frame


def _unclosed_quote(text: str, from_line: int) -> tuple[int, int] | None:
    """Line and column of the opening quote of a value never closed, looking from the record at ``from_line``."""
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[: from_line - 1])
    opened_at = None
    at_field_start = True
    index = offset
    while index < len(text):
        character = text[index]
        if opened_at is None:
            if character == '"' and at_field_start:
                opened_at = index
            at_field_start = character in ",\n"
        elif character == '"':
            if text.startswith('""', index):
                index += 1
            else:
                opened_at = None
                at_field_start = False
        index += 1
    if opened_at is None:
        return None
    line_start = text.rfind("\n", 0, opened_at) + 1
    return text.count("\n", 0, opened_at) + 1, opened_at - line_start + 1


def _read_yaml(path: Path, required: bool) -> YamlDocument | None:
    if not textfiles.exists(path):
        if required:
            raise EditionError(f"{path.name}: missing from {path.parent}; expected the edition's YAML description")
        return None
    document = textfiles.read_yaml(path)
    if not isinstance(document.value, dict):
        raise EditionError(f"{path.name}: expected a YAML mapping of keys to values at the top level")
    return document


def _type_name(value) -> str:
    if isinstance(value, bool):
        return f"true/false ({value!r})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    return {list: "a list", dict: "a mapping", type(None): "empty"}.get(type(value), type(value).__name__)


def _label(path: tuple) -> str:
    label = ""
    for part in path:
        label += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if label else str(part))
    return label


def _check_yaml(document: YamlDocument, keys: tuple[Key, ...], warnings: list[str]) -> list[str]:
    """Every key of a YAML file against the schema: types, required keys, text safety; unknown keys warned of."""
    return _check_yaml_mapping(document, document.value, (), keys, warnings)


def _check_yaml_mapping(document, mapping: dict, path: tuple, keys: tuple[Key, ...], warnings: list[str]) -> list:
    problems = []
    known = {key.name: key for key in keys}
    for name in mapping:
        if name not in known:
            warnings.append(
                f"{document.where((*path, name))}: key {_label((*path, name))!r} is not known and is ignored; "
                "expected one of " + ", ".join(known)
            )
    for key in keys:
        where = (*path, key.name)
        value = mapping.get(key.name)
        if value in (None, "", [], {}):
            if key.required:
                problems.append(
                    f"{document.where(where if key.name in mapping else path)}: key {_label(where)!r} is missing "
                    f"or empty; expected {key.expectation()}"
                )
            continue
        problems += _check_yaml_value(document, value, where, key, warnings)
    return problems


def _check_yaml_value(document, value, path: tuple, key: Key, warnings: list[str]) -> list[str]:
    def problem(message: str) -> list[str]:
        return [f"{document.where(path)}: key {_label(path)!r}: {message}"]

    if key.kind == "mapping":
        if not isinstance(value, dict):
            return problem(f"{_type_name(value)}; expected {key.expectation()}")
        return _check_yaml_mapping(document, value, path, key.keys, warnings)
    if key.kind == "list":
        if not isinstance(value, list):
            return problem(f"{_type_name(value)}; expected {key.expectation()}")
        problems = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                problems += problem(f"item {index + 1} is {_type_name(item)}; expected a mapping with keys ")
                problems[-1] += ", ".join(item_key.name for item_key in key.keys)
            else:
                problems += _check_yaml_mapping(document, item, (*path, index), key.keys, warnings)
        return problems
    if key.kind == "paragraph":
        if isinstance(value, bool) or not isinstance(value, int):
            return problem(f"{_type_name(value)}; expected {key.expectation()}")
        return []
    if key.kind == "year":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 9999:
            return problem(f"{_type_name(value)}; expected {key.expectation()}")
        return []
    if key.kind == "texts":
        if not isinstance(value, list):
            return problem(f"{_type_name(value)}; expected {key.expectation()}")
        problems = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                problems += problem(f"item {index + 1} is {_type_name(item)}; expected some text")
            elif control := control_character_problem(item):
                problems += problem(control)
        return problems
    if key.kind == "source_ids":
        if not isinstance(value, list):
            return problem(f"{_type_name(value)}; expected {key.expectation()} (one '- id' per line)")
        problems = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not ID_PATTERN.fullmatch(item):
                hint = lookalike_letters(item) if isinstance(item, str) else ""
                shown = repr(item) if isinstance(item, str) else _type_name(item)
                problems += [
                    f"{document.where((*path, index))}: key {_label((*path, index))!r}: "
                    + (hint or f"{shown} is not a valid id")
                    + "; expected an id of lower-case letters, digits and hyphens"
                ]
        return problems
    if not isinstance(value, str):
        quotes = " (in quotes: YAML reads 1900, yes and no as numbers and true/false)"
        return problem(f"{_type_name(value)}; expected {key.expectation()}{quotes * isinstance(value, int | float)}")
    control = control_character_problem(value)
    if control:
        return problem(control)
    for warning in text_warnings(value):
        warnings.append(f"{document.where(path)}: key {_label(path)!r}: {warning}")
    if key.not_verified and value == "not verified":
        return []
    try:
        if key.kind == "date":
            check_iso_date(value)
        elif key.kind == "colour" and not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise CellError(f"{value!r} is not a colour")
        elif key.kind == "url" and not re.fullmatch(r"https?://\S+", value):
            raise CellError(f"{value!r} is not a web address")
        elif key.kind == "enum" and value not in key.allowed:
            raise CellError(f"{value!r} is not allowed")
        elif key.kind == "folder" and (value in (".", "..") or "/" in value or "\\" in value):
            raise CellError(f"{value!r} is not a folder name")
    except CellError as error:
        return problem(f"{str(error).split('; expected')[0]}; expected {key.expectation()}")
    return []


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


def _check_edition(
    tables: dict[str, pd.DataFrame | None],
    metadata: YamlDocument,
    quoted: list[tuple[YamlDocument, tuple]],
    rosters: list[TableSpec],
    register: Register | None = None,
) -> list[str]:
    specs = (*TABLES, *rosters)
    problems: list[str] = []
    problems += _check_keys(tables, specs)
    if register is not None:
        problems += _check_register(tables, register)
    paragraphs = tables["paragraphs"]
    if paragraphs is None:  # a required table: reading it raised already if it was missing
        return ["paragraphs.csv: missing; expected the text of the edition, one row per paragraph"]
    problems += _check_paragraph_numbers(paragraphs)
    if problems:
        return problems
    texts = dict(zip(paragraphs["paragraph"], paragraphs["text"], strict=True))
    citable = _citable_ids(tables, problems)
    register_cards = tables[register.entities] if register is not None else None
    problems += _check_references(tables, texts, citable, specs, register_cards)
    problems += _check_roster_kinds(tables, metadata, register_cards)
    problems += _check_date_ranges(tables, TABLES)
    problems += _check_quotes(tables, texts)
    problems += _check_aliases_and_mentions(tables, texts, register)
    problems += _check_yaml_sources(metadata, citable)
    for document in {id(document): document for document, _ in quoted}.values():
        problems += _check_yaml_sources(document, citable)
    for document, path in quoted:
        problems += _check_excerpt(document, texts, path)
    return problems


def _check_keys(tables, specs) -> list[str]:
    problems = []
    for spec in specs:
        frame = tables[spec.name]
        if frame is not None and spec.unique:
            for row in _rows(frame[frame.duplicated(list(spec.unique))]):
                problems.append(
                    f"{_where(spec.name, row['line'])}: {', '.join(spec.unique)} "
                    f"{', '.join(str(row[name]) for name in spec.unique)} are used twice; expected each once"
                )
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


def _check_references(
    tables, texts: dict[int, str], citable: set[str], specs, register_cards=None, known_ids: dict | None = None
) -> list[str]:
    """Every id a row names must exist: sources, entities (the edition's cards and its register's), paragraphs."""
    problems = []
    if known_ids is None:
        entity_ids = set(tables["entities"]["entity_id"])
        if register_cards is not None:
            entity_ids |= set(register_cards["entity_id"])
        apparatus_ids = (
            set(tables["notes"]["note_id"]) | set(tables["claims"]["claim_id"]) | set(tables["events"]["event_id"])
        )
        known_ids = {"sources": citable, "entities": entity_ids, "apparatus": apparatus_ids}
    for spec in specs:
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
    return problems


def _check_roster_kinds(tables, metadata: YamlDocument, register_cards=None) -> list[str]:
    """A roster that declares ``entity_kind`` lists cards of that kind only."""
    problems = []
    kinds = dict(zip(tables["entities"]["entity_id"], tables["entities"]["kind"], strict=True))
    if register_cards is not None:
        kinds |= dict(zip(register_cards["entity_id"], register_cards["kind"], strict=True))
    for roster in metadata.value.get("rosters") or ():
        wanted = roster.get("entity_kind")
        frame = tables.get(roster_spec(roster).name)
        if not wanted or frame is None:
            continue
        for row in _rows(frame):
            kind = kinds.get(row["entity_id"], wanted)
            if kind != wanted:
                problems.append(
                    f"{_where(roster_spec(roster).name, row['line'], 'entity_id')}: {row['entity_id']!r} is a "
                    f"{kind}; expected the id of a {wanted}"
                )
    return problems


def _date_key(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.split("-"))


def _check_date_ranges(tables, specs) -> list[str]:
    problems = []
    for spec in specs:
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


def _check_aliases_and_mentions(tables, texts: dict[int, str], register: Register | None = None) -> list[str]:
    """Each spelling on one card; the edition's own cards' spellings in its text; mentions.csv lists every mention.

    A register's card may carry spellings other texts of the course use: they need not occur in this one.
    """
    problems = []
    entities, mentions = tables["entities"], tables["mentions"]
    cards = [("entities", row) for row in _rows(entities)]
    if register is not None:
        cards += [(register.entities, row) for row in _rows(tables[register.entities])]
    alias_owner: dict[str, str] = {}
    all_aliases = {alias: row["entity_id"] for _, row in cards for alias in row["aliases"]}
    occurrences = alias_occurrences(texts, all_aliases)
    occurring = aliases_in_text(texts, all_aliases, occurrences)
    for table, row in cards:
        for alias in row["aliases"]:
            if alias in alias_owner and alias_owner[alias] != row["entity_id"]:
                problems.append(
                    f"{_where(table, row['line'], 'aliases')}: {alias!r} is also an alias of "
                    f"{alias_owner[alias]!r}; expected each spelling on one card"
                )
            elif alias not in occurring and table == "entities":
                problems.append(
                    f"{_where('entities', row['line'], 'aliases')}: {alias!r} does not occur in the "
                    "text; expected spellings used in the text"
                )
            alias_owner[alias] = row["entity_id"]
    if problems:
        return problems
    aliases_of = {row["entity_id"]: set(row["aliases"]) for _, row in cards}
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
    kinds = {row["entity_id"]: row["kind"] for _, row in cards}
    for span in find_mentions(texts, alias_owner, kinds, occurrences):
        if (span.paragraph, span.start, span.end, span.entity_id) not in recorded:
            problems.append(
                f"mentions.csv: {span.surface!r} in ¶{span.paragraph} at {span.start} ({span.entity_id}) "
                "has no row; expected every mention listed (run: reader mentions --write)"
            )
    return problems


def _source_id_paths(value, path: tuple = ()):
    """Every (path, id) listed under a ``source_ids`` key anywhere in a YAML document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "source_ids" and isinstance(item, list):
                yield from (((*path, key, index), source_id) for index, source_id in enumerate(item))
            else:
                yield from _source_id_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _source_id_paths(item, (*path, index))


def _check_yaml_sources(document: YamlDocument, citable: set[str]) -> list[str]:
    return [
        f"{document.where(path)}: key {_label(path)!r}: source {source_id!r} is not an id in sources.csv or "
        "references.csv"
        for path, source_id in _source_id_paths(document.value)
        if source_id not in citable
    ]


def _check_excerpt(document: YamlDocument, texts: dict[int, str], path: tuple = ()) -> list[str]:
    excerpt = _value_at(document.value, path)
    paragraph = excerpt["paragraph"]
    if paragraph not in texts:
        return [
            f"{document.where((*path, 'paragraph'))}: key {_label((*path, 'paragraph'))!r}: {paragraph!r}; expected "
            f"a paragraph number from 1 to {len(texts)}"
        ]
    return [
        f"{document.where((*path, key))}: key {_label((*path, key))!r}: {_shorten(excerpt[key])!r} is not in "
        f"¶{paragraph}; expected the words exactly as the text gives them"
        for key in ("quotation", "essay_citation")
        if excerpt[key] not in texts[paragraph]
    ]
