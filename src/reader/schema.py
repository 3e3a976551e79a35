"""What each file of an edition must hold: columns, their types, and the values they allow.

The same tables are written out in ``data/README.md`` by hand; tests/test_loader.py checks that they agree.
Text from a teacher's files is checked here too: no control characters (they reach terminals and exported HTML),
and warnings for what a browser or JupyterLab would misread (unclosed bidirectional controls, $...$ mathematics).
"""

import calendar
import dataclasses
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, overload

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_PATTERN = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")  # ASCII digits only: not \d
QID_PATTERN = re.compile(r"^Q[1-9][0-9]*$")
MAX_WHOLE_NUMBER = 10_000_000  # paragraph numbers and character positions (a file holds at most 5 MB)
LIST_SEPARATOR = ";"
DATE_EXPECTATION = "an ISO 8601 date: YYYY, YYYY-MM or YYYY-MM-DD"

ENTITY_KINDS = ("person", "body", "office", "place", "concept", "event")
THEME_SHAPES = ("square", "circle", "triangle", "diamond", "cross", "star")  # a theme's mark, besides its colour
NOTE_KINDS = ("sic", "term", "citation", "fact", "context")
CLAIM_TYPES = ("event", "date or number", "attribution", "quotation", "interpretation")
VERDICTS = ("supported", "partly supported", "contradicted", "not verifiable", "opinion")
VERIFICATION_STATUSES = ("verified", "not verified", "contradicted")


TARGET_FILES = {
    "sources": "sources.csv or references.csv",
    "entities": "entities.csv",
    "apparatus": "notes.csv, claims.csv or events.csv",
}


class CellError(ValueError):
    """A cell whose value does not fit its column; the message says what was expected."""


# --- text safety ------------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 but tab, newline, CR; DEL; C1
_CONTROL_NAMES = {0x00: "NUL", 0x1B: "ESC", 0x7F: "DEL", 0x0B: "vertical tab", 0x0C: "form feed", 0x08: "backspace"}
_BIDI_OPENERS = {
    "\u202a": ("left-to-right embedding", "\u202c"),
    "\u202b": ("right-to-left embedding", "\u202c"),
    "\u202d": ("left-to-right override", "\u202c"),
    "\u202e": ("right-to-left override", "\u202c"),
    "\u2066": ("left-to-right isolate", "\u2069"),
    "\u2067": ("right-to-left isolate", "\u2069"),
    "\u2068": ("first-strong isolate", "\u2069"),
}
_BIDI_CLOSERS = ("\u202c", "\u2069")
# What JupyterLab's MathJax typesets in an HTML output: $...$ (also "from $5 to $10"), $$...$$, \(...\), \[...\].
_MATH = re.compile(r"\$[^$]+\$|\\\(|\\\[")


def control_character_problem(value: str) -> str | None:
    """Why ``value`` cannot be shown as text (a NUL, an ANSI escape, any C0/C1 control but tab and newline)."""
    found = _CONTROL.search(value)
    if not found:
        return None
    code = ord(found.group(0))
    name = _CONTROL_NAMES.get(code, "C1 control" if code >= 0x80 else "control character")
    hint = " (an ANSI terminal escape)" if value[found.start() : found.start() + 2] == "\x1b[" else ""
    return (
        f"contains {name} U+{code:04X}{hint} at character {found.start() + 1}; expected plain text without "
        "control characters"
    )


def text_warnings(value: str) -> list[str]:
    """What a browser or JupyterLab would show otherwise than written: unclosed bidirectional controls, math."""
    warnings = []
    open_controls: list[str] = []
    for character in value:
        if character in _BIDI_OPENERS:
            open_controls.append(character)
        elif character in _BIDI_CLOSERS and open_controls:
            open_controls.pop()
    if open_controls:
        name, closer = _BIDI_OPENERS[open_controls[0]]
        warnings.append(
            f"a {name} (U+{ord(open_controls[0]):04X}) is never closed by U+{ord(closer):04X} in this field; "
            "it may reorder the text that follows it"
        )
    math = _MATH.search(value)
    if math:
        warnings.append(
            f"{math.group(0)[:40]!r} would be typeset as mathematics by JupyterLab (MathJax reads $...$, \\( and "
            "\\[); write it otherwise if it is not mathematics"
        )
    return warnings


def lookalike_letters(value: str) -> str:
    """A hint naming the first Cyrillic or Greek letter in what should be a Latin id (or '')."""
    for character in value:
        if not character.isascii() and character.isalpha():
            name = unicodedata.name(character, "")
            script = next((script for script in ("CYRILLIC", "GREEK") if name.startswith(script)), None)
            if script:
                return (
                    f"id {value!r} contains {script.title()} letter {character!r} (U+{ord(character):04X}) where "
                    "Latin is expected"
                )
    return ""


def whole_number(value: str, expectation: str, minimum: int) -> int:
    """An ASCII whole number from ``minimum`` to MAX_WHOLE_NUMBER (str.isdigit() would accept '²' and '５')."""
    if not (value.isascii() and value.isdigit()):
        raise CellError(f"{value!r} is not a whole number written in digits 0-9; expected {expectation}")
    if len(value) > len(str(MAX_WHOLE_NUMBER)) or not minimum <= int(value) <= MAX_WHOLE_NUMBER:
        raise CellError(f"{value!r} is out of range; expected {expectation} (at most {MAX_WHOLE_NUMBER:,})")
    return int(value)


@dataclass(frozen=True)
class Column:
    """One column: its name, whether it may be empty, and how its text becomes a value."""

    name: str
    kind: str = "text"  # text, id, int, offset, date, url, qid, enum, ref, refs, paragraphs, list
    required: bool = True
    former_names: tuple[str, ...] = ()  # older names of the column, still read (a file written before a rename)
    may_be_absent: bool = False  # the header may leave the column out (then every row's value is empty)
    allowed: tuple[str, ...] = ()
    target: str = ""  # for ref/refs: the table whose ids it names ("sources" means sources or references)
    essay_words: bool = False  # the essay's own words, copied exactly (left alone by the hostile test fixture)
    _parse_value: Callable[[str], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_parse_value", getattr(self, f"_parse_{self.kind}"))  # looked up once, not per cell

    def parse(self, raw: str):
        problem = control_character_problem(raw)
        if problem:
            raise CellError(problem)
        stripped = raw.strip()
        if stripped == "":
            if self.required:
                raise CellError(f"empty; expected {self.expectation()}")
            return () if self.kind in ("refs", "paragraphs", "list") else None
        return self._parse_value(raw if self.kind == "text" else stripped)

    def expectation(self) -> str:
        return {
            "text": "some text",
            "id": "an id of lower-case letters, digits and hyphens (like 'city-council')",
            "int": "a whole number from 1",
            "offset": "a character position (a whole number from 0)",
            "date": DATE_EXPECTATION,
            "url": "a URL starting with http:// or https://",
            "qid": "a Wikidata id like Q1234, or empty",
            "enum": "one of " + ", ".join(repr(value) for value in self.allowed),
            "ref": f"the id of a row in {TARGET_FILES.get(self.target)}",
            "refs": f"ids of rows in {TARGET_FILES.get(self.target)}, separated by '{LIST_SEPARATOR}'",
            "paragraphs": f"paragraph numbers separated by '{LIST_SEPARATOR}' (like '5;9')",
            "list": f"values separated by '{LIST_SEPARATOR}'",
        }[self.kind]

    def _parse_text(self, value: str) -> str:
        return value

    def _parse_id(self, value: str) -> str:
        if not ID_PATTERN.fullmatch(value):
            raise CellError(
                (lookalike_letters(value) or f"{value!r} is not a valid id") + f"; expected {self.expectation()}"
            )
        return value

    _parse_ref = _parse_id

    def _parse_int(self, value: str) -> int:
        return whole_number(value, self.expectation(), minimum=1)

    def _parse_offset(self, value: str) -> int:
        return whole_number(value, self.expectation(), minimum=0)

    def _parse_date(self, value: str) -> str:
        check_iso_date(value, DATE_EXPECTATION)
        return value

    def _parse_url(self, value: str) -> str:
        if not re.match(r"^https?://\S+$", value):
            raise CellError(f"{value!r} is not a web address; expected {self.expectation()}")
        return value

    def _parse_qid(self, value: str) -> str:
        if not QID_PATTERN.match(value):
            raise CellError(f"{value!r} is not a Wikidata id; expected {self.expectation()}")
        return value

    def _parse_enum(self, value: str) -> str:
        if value not in self.allowed:
            raise CellError(f"{value!r} is not allowed; expected {self.expectation()}")
        return value

    def _split(self, value: str) -> tuple[str, ...]:
        items = tuple(item.strip() for item in value.split(LIST_SEPARATOR))
        if any(item == "" for item in items):
            raise CellError(f"{value!r} has an empty item; expected {self.expectation()}")
        return items

    def _parse_refs(self, value: str) -> tuple[str, ...]:
        items = self._split(value)
        for item in items:
            if not ID_PATTERN.fullmatch(item):
                raise CellError(
                    (lookalike_letters(item) or f"{item!r} is not a valid id") + f"; expected {self.expectation()}"
                )
        return items

    def _parse_paragraphs(self, value: str) -> tuple[int, ...]:
        items = self._split(value)
        try:
            return tuple(whole_number(item, self.expectation(), minimum=1) for item in items)
        except CellError:
            raise CellError(f"{value!r} is not a list of paragraph numbers; expected {self.expectation()}") from None

    def _parse_list(self, value: str) -> tuple[str, ...]:
        return self._split(value)


def check_iso_date(value: str, expectation: str = DATE_EXPECTATION) -> str:
    """Raise CellError unless ``value`` is a real calendar date at year, month or day precision."""
    match = DATE_PATTERN.fullmatch(value)
    if not match:
        raise CellError(f"{value!r} is not a date; expected {expectation}")
    year_text, month_text, day_text = match.groups()
    year = int(year_text)  # the pattern requires a year; month and day are optional
    month = int(month_text) if month_text else None
    day = int(day_text) if day_text else None
    if year == 0:
        raise CellError(
            f"{value!r} has year 0, which does not exist (1 BC is followed by AD 1); expected {expectation}"
        )
    if month is not None and not 1 <= month <= 12:
        raise CellError(f"{value!r} has no month {month}; expected {expectation}")
    if day is not None and month is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise CellError(f"{value!r} is not a day of that month; expected {expectation}")
    return value


@overload
def date_precision(value: str) -> str: ...
@overload
def date_precision(value: None) -> None: ...
def date_precision(value: str | None) -> str | None:
    """'day', 'month' or 'year', read from the form of an ISO date."""
    if not value:
        return None
    return {1: "year", 2: "month", 3: "day"}[len(value.split("-"))]


@dataclass(frozen=True)
class TableSpec:
    """A CSV file of the edition: its name, its columns, and which column is its key."""

    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    required: bool = True
    date_ranges: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    unique: tuple[str, ...] = ()  # columns that together name a row once (a table without a key)
    empty_if_absent: bool = False  # an optional file that, when absent, is an empty table (not None)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "paragraphs",
        (Column("paragraph", "int"), Column("text")),
        key="paragraph",
    ),
    TableSpec(
        "references",
        (
            Column("reference_id", "id"),
            Column("verbatim", essay_words=True),
            Column("authors", "list", required=False),
            Column("date", "date", required=False),
            Column("date_as_printed", required=False),
            Column("title"),
            Column("url", "url", required=False),
            # What a web page's reference list gives: a text without one leaves these columns out.
            Column("retrieved", "date", required=False, may_be_absent=True),
            Column("cited_as", required=False, may_be_absent=True),
            Column("note", required=False),
            Column("source_ids", "refs", required=False, target="sources"),
        ),
        key="reference_id",
        required=False,  # a text without a reference list has no references.csv
        empty_if_absent=True,
    ),
    TableSpec(
        "sources",
        (
            Column("source_id", "id"),
            Column("citation"),
            Column("url", "url", required=False),
            Column("note", required=False),
        ),
        key="source_id",
    ),
    TableSpec(
        "entities",
        (
            Column("entity_id", "id"),
            Column("kind", "enum", allowed=ENTITY_KINDS),
            Column("name"),
            Column("original_name", required=False, former_names=("name_ru",)),
            Column("aliases", "list", required=False),
            Column("start", "date", required=False),
            Column("end", "date", required=False),
            Column("summary"),
            Column("wikidata", "qid", required=False),
            Column("source_ids", "refs", target="sources"),
        ),
        key="entity_id",
        date_ranges=(("start", "end"),),
    ),
    TableSpec(
        "roles",
        (
            Column("entity_id", "ref", target="entities"),
            Column("role"),
            Column("start", "date", required=False),
            Column("end", "date", required=False),
            Column("source_ids", "refs", target="sources"),
        ),
        date_ranges=(("start", "end"),),
    ),
    TableSpec(
        "mentions",
        (
            Column("paragraph", "int"),
            Column("start", "offset"),
            Column("end", "offset"),
            Column("surface", essay_words=True),
            Column("entity_id", "ref", target="entities"),
        ),
        unique=("paragraph", "start", "end"),
    ),
    TableSpec(
        "events",
        (
            Column("event_id", "id"),
            Column("start", "date"),
            Column("end", "date", required=False),
            Column("title"),
            Column("summary"),
            Column("theme", "id"),  # one of the themes edition.yaml declares (checked by the loader)
            Column("paragraphs", "paragraphs", required=False),
            Column("essay_date", required=False),
            Column("essay_wording", required=False, essay_words=True),
            Column("source_ids", "refs", target="sources"),
        ),
        key="event_id",
        date_ranges=(("start", "end"),),
    ),
    TableSpec(
        "notes",
        (
            Column("note_id", "id"),
            Column("paragraph", "int"),
            Column("kind", "enum", allowed=NOTE_KINDS),
            Column("anchor", essay_words=True),
            Column("reading", required=False),
            Column("note"),
            Column("source_ids", "refs", required=False, target="sources"),
        ),
        key="note_id",
    ),
    TableSpec(
        "claims",
        (
            Column("claim_id", "id"),
            Column("paragraph", "int"),
            Column("quote", essay_words=True),
            Column("claim_type", "enum", allowed=CLAIM_TYPES),
            Column("verdict", "enum", allowed=VERDICTS),
            Column("record"),
            Column("sources_for", "refs", required=False, target="sources"),
            Column("sources_against", "refs", required=False, target="sources"),
        ),
        key="claim_id",
    ),
)

TABLES = (
    *TABLES,
    TableSpec(
        "questions",
        (
            Column("question_id", "id"),
            Column("paragraph", "int"),
            Column("question"),
            Column("expected_points"),
            Column("related", "refs", required=False, target="apparatus"),
        ),
        key="question_id",
        required=False,
    ),
)

TABLES_BY_NAME = {table.name: table for table in TABLES}
# A register: the cards several editions of a course share, with their roles and the sources they cite.
REGISTER_TABLES: tuple[TableSpec, ...] = (
    TABLES_BY_NAME["entities"],
    dataclasses.replace(TABLES_BY_NAME["roles"], required=False),
    TABLES_BY_NAME["sources"],
)


# --- the YAML files ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One key of a YAML file: the kind of its value, whether it is required, and the keys of its items."""

    name: str
    kind: str = "text"  # text, paragraph, year, colour, date, url, enum, folder, source_ids, texts, mapping, list
    required: bool = False
    keys: tuple["Key", ...] = ()  # for a mapping, or for each mapping of a list
    allowed: tuple[str, ...] = ()
    not_verified: bool = False  # the text "not verified" is also accepted
    essay_words: bool = False  # the essay's own words, copied exactly

    def expectation(self) -> str:
        base = {
            "text": "text",
            "paragraph": "a paragraph number",
            "year": "a year written in digits (like 1900)",
            "colour": "a colour written #rrggbb (like #0b5394)",
            "texts": "a list of texts (one '- text' per line)",
            "date": DATE_EXPECTATION,
            "url": "a URL starting with http:// or https://",
            "enum": "one of " + ", ".join(repr(value) for value in self.allowed),
            "folder": "the name of a folder beside editions.yaml",
            "source_ids": "a list of ids of rows in sources.csv or references.csv",
            "mapping": "a mapping with keys " + ", ".join(key.name for key in self.keys),
            "list": "a list of mappings with keys " + ", ".join(key.name for key in self.keys),
        }[self.kind]
        return base + (" (or 'not verified')" if self.not_verified else "")


VERIFICATION_ITEM = (
    Key("part", required=True),
    Key("status", "enum", required=True, allowed=VERIFICATION_STATUSES),
    Key("how", required=True),
    Key("source_ids", "source_ids"),
)

THEME_KEYS = (
    Key("id", required=True),
    Key("label", required=True),
    Key("colour", "colour", required=True),
    Key("shape", "enum", allowed=THEME_SHAPES),
)
ROSTER_KEYS = (
    Key("file", required=True),
    Key("caption", required=True),
    Key("title"),
    Key("entity_label"),
    Key("entity_kind", "enum", allowed=ENTITY_KINDS),
    Key(
        "columns",
        "list",
        required=True,
        keys=(Key("name", required=True), Key("label", required=True), Key("values", "texts"), Key("note")),
    ),
)
DEFAULT_TEXT_KIND = "text"
DEFAULT_LANGUAGE = "en"

EDITION_KEYS: tuple[Key, ...] = (
    Key("title", required=True),
    Key("author", not_verified=True),
    Key("published", "date", not_verified=True),
    Key("url", "url", not_verified=True),
    Key("platform"),
    Key("language"),
    Key("provenance", required=True),
    # The edition's own vocabulary: what the text is, its language, its chronology's themes, its tables.
    Key("text_kind"),
    Key("original_language"),
    Key("themes", "list", keys=THEME_KEYS),
    Key("years", "mapping", keys=(Key("from", "year", required=True), Key("to", "year", required=True))),
    Key("roles_period"),
    Key("search_example"),
    Key("rosters", "list", keys=ROSTER_KEYS),
    Key("register"),  # the folder of cards the editions of a course share, relative to the edition's folder
    Key(
        "rights",
        "mapping",
        required=True,
        keys=(Key("status", required=True), Key("holder", required=True), Key("note")),
    ),
    Key("verification", "list", keys=VERIFICATION_ITEM),
    # How the edition's data are dated or counted where sources differ, said once for a reader to check.
    Key("conventions", "list", keys=(Key("topic", required=True), Key("text", required=True))),
)

EXCERPT_KEYS: tuple[Key, ...] = (
    Key("quotation", required=True, essay_words=True),
    Key("essay_citation", required=True, essay_words=True),
    Key("paragraph", "paragraph", required=True),
    Key("claim_supported", required=True),
    Key(
        "document",
        "mapping",
        required=True,
        keys=(
            Key("title", required=True),
            Key("issuing_office"),
            Key("date", "date"),
            Key(
                "identifiers",
                "list",
                keys=(
                    Key("scheme", required=True),
                    Key("value", required=True),
                    Key("source_ids", "source_ids"),
                    Key("basis"),
                ),
            ),
            Key("url", "url"),
            Key("url_note"),
        ),
    ),
    Key("verification", "list", required=True, keys=VERIFICATION_ITEM),
    Key("context_heading"),
    Key(
        "context",
        "list",
        required=True,
        keys=(Key("text", required=True), Key("source_ids", "source_ids", required=True)),
    ),
    Key(
        "related_documents",
        "list",
        keys=(Key("citation", required=True), Key("url", "url"), Key("source_ids", "source_ids"), Key("note")),
    ),
)

EDITIONS_INDEX_KEYS: tuple[Key, ...] = (
    Key("default", "folder", required=True),
    Key("editions", "list", keys=(Key("folder", "folder", required=True), Key("title", required=True))),
)

DOCUMENTS_KEYS: tuple[Key, ...] = (Key("documents", "list", required=True, keys=EXCERPT_KEYS),)

YAML_FILES = {"edition.yaml": EDITION_KEYS, "excerpt.yaml": EXCERPT_KEYS, "documents.yaml": DOCUMENTS_KEYS}
YAML_REQUIRED = {"edition.yaml": True, "excerpt.yaml": False, "documents.yaml": False}
SOURCE_TEXT = "source.txt"  # the text as received; when present, the paragraphs must be found in it, in order


def edition_file_names() -> tuple[str, ...]:
    """Every file of fixed name an edition may hold (rosters, named in edition.yaml, are added by the loader)."""
    return (*(table.file_name for table in TABLES), *YAML_FILES, SOURCE_TEXT)


def roster_spec(roster: dict) -> TableSpec:
    """The table a roster of edition.yaml declares: a card per row, the declared columns, and the row's sources."""
    columns = [Column("entity_id", "ref", target="entities")]
    for column in roster.get("columns") or ():
        values = tuple(column.get("values") or ())
        columns.append(Column(column["name"], "enum" if values else "text", allowed=values))
    columns.append(Column("source_ids", "refs", target="sources"))
    file_name = str(roster["file"])
    return TableSpec(file_name.removesuffix(".csv"), tuple(columns), key="entity_id")


def contrast_ratio(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
        linear = [value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4 for value in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


READER_BACKGROUND = "#ffffff"  # the timeline's background in reader.css: theme colours are checked against it
MINIMUM_CONTRAST = 4.5  # WCAG 2 AA for text
