"""What each file of an edition must hold: columns, their types, and the values they allow.

The same table is rendered into ``data/README.md``'s column lists by hand; tests check that they agree.
"""

import calendar
import re
from dataclasses import dataclass, field

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
QID_PATTERN = re.compile(r"^Q[1-9][0-9]*$")
LIST_SEPARATOR = ";"
DATE_EXPECTATION = "an ISO 8601 date: YYYY, YYYY-MM or YYYY-MM-DD"

ENTITY_KINDS = ("person", "body", "office", "place", "concept", "event")
EVENT_THEMES = (
    "economic reform",
    "party politics",
    "repression and protest",
    "ideology",
    "security services",
    "foreign and military",
)
NOTE_KINDS = ("sic", "term", "citation", "fact", "context")
CLAIM_TYPES = ("event", "date or number", "attribution", "quotation", "interpretation")
VERDICTS = ("supported", "partly supported", "contradicted", "not verifiable", "opinion")
MEMBERSHIPS = ("full", "candidate")
STANCES = ("for removal", "against removal", "wavered", "unclear")
VERIFICATION_STATUSES = ("verified", "not verified", "contradicted")


TARGET_FILES = {
    "sources": "sources.csv or references.csv",
    "entities": "entities.csv",
    "apparatus": "notes.csv, claims.csv or events.csv",
}


class CellError(ValueError):
    """A cell whose value does not fit its column; the message says what was expected."""


@dataclass(frozen=True)
class Column:
    """One column: its name, whether it may be empty, and how its text becomes a value."""

    name: str
    kind: str = "text"  # text, id, int, offset, date, url, qid, enum, ref, refs, paragraphs, list
    required: bool = True
    allowed: tuple[str, ...] = ()
    target: str = ""  # for ref/refs: the table whose ids it names ("sources" means sources or references)

    def __post_init__(self):
        object.__setattr__(self, "_parse_value", getattr(self, f"_parse_{self.kind}"))  # looked up once, not per cell

    def parse(self, raw: str):
        stripped = raw.strip()
        if stripped == "":
            if self.required:
                raise CellError(f"empty; expected {self.expectation()}")
            return () if self.kind in ("refs", "paragraphs", "list") else None
        return self._parse_value(raw if self.kind == "text" else stripped)

    def expectation(self) -> str:
        return {
            "text": "some text",
            "id": "an id of lower-case letters, digits and hyphens (like 'anti-party-group')",
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
        if not ID_PATTERN.match(value):
            raise CellError(f"{value!r} is not a valid id; expected {self.expectation()}")
        return value

    _parse_ref = _parse_id

    def _parse_int(self, value: str) -> int:
        if not value.isdigit() or int(value) < 1:
            raise CellError(f"{value!r} is not a positive whole number; expected {self.expectation()}")
        return int(value)

    def _parse_offset(self, value: str) -> int:
        if not value.isdigit():
            raise CellError(f"{value!r} is not a character position; expected {self.expectation()}")
        return int(value)

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
            if not ID_PATTERN.match(item):
                raise CellError(f"{item!r} is not a valid id; expected {self.expectation()}")
        return items

    def _parse_paragraphs(self, value: str) -> tuple[int, ...]:
        items = self._split(value)
        if not all(item.isdigit() and int(item) >= 1 for item in items):
            raise CellError(f"{value!r} is not a list of paragraph numbers; expected {self.expectation()}")
        return tuple(int(item) for item in items)

    def _parse_list(self, value: str) -> tuple[str, ...]:
        return self._split(value)


def check_iso_date(value: str, expectation: str = DATE_EXPECTATION) -> str:
    """Raise CellError unless ``value`` is a real calendar date at year, month or day precision."""
    match = DATE_PATTERN.match(value)
    if not match:
        raise CellError(f"{value!r} is not a date; expected {expectation}")
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is not None and not 1 <= month <= 12:
        raise CellError(f"{value!r} has no month {month}; expected {expectation}")
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise CellError(f"{value!r} is not a day of that month; expected {expectation}")
    return value


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
            Column("verbatim"),
            Column("authors", "list", required=False),
            Column("date", "date", required=False),
            Column("date_as_printed", required=False),
            Column("title"),
            Column("url", "url", required=False),
            Column("retrieved", "date", required=False),
            Column("cited_as", required=False),
            Column("note", required=False),
            Column("source_ids", "refs", required=False, target="sources"),
        ),
        key="reference_id",
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
            Column("name_ru", required=False),
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
            Column("surface"),
            Column("entity_id", "ref", target="entities"),
        ),
    ),
    TableSpec(
        "presidium",
        (
            Column("entity_id", "ref", target="entities"),
            Column("membership", "enum", allowed=MEMBERSHIPS),
            Column("stance", "enum", allowed=STANCES),
            Column("stance_note"),
            Column("fate"),
            Column("source_ids", "refs", target="sources"),
        ),
        key="entity_id",
        required=False,
    ),
    TableSpec(
        "events",
        (
            Column("event_id", "id"),
            Column("start", "date"),
            Column("end", "date", required=False),
            Column("title"),
            Column("summary"),
            Column("theme", "enum", allowed=EVENT_THEMES),
            Column("paragraphs", "paragraphs", required=False),
            Column("essay_date", required=False),
            Column("essay_wording", required=False),
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
            Column("anchor"),
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
            Column("quote"),
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
