"""The edition as objects: what the widgets render. Built once at load, so a paragraph change only looks up.

The model never reads files: the loader hands it what it needs (and how to get its tables back when it was cached),
so this module imports neither the loader nor the cache.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader.schema import date_precision

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Source:
    source_id: str
    citation: str
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Mention:
    paragraph: int
    start: int
    end: int
    surface: str
    entity_id: str


@dataclass(frozen=True)
class Role:
    role: str
    start: str | None
    end: str | None
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class Entity:
    entity_id: str
    kind: str
    name: str
    name_ru: str | None
    aliases: tuple[str, ...]
    start: str | None
    end: str | None
    summary: str
    wikidata: str | None
    source_ids: tuple[str, ...]
    roles: tuple[Role, ...] = ()
    paragraphs: tuple[int, ...] = ()


@dataclass(frozen=True)
class Event:
    event_id: str
    start: str
    end: str | None
    title: str
    summary: str
    theme: str
    paragraphs: tuple[int, ...]
    essay_date: str | None
    essay_wording: str | None
    source_ids: tuple[str, ...]

    @property
    def precision(self) -> str:
        return date_precision(self.start)

    @property
    def date_label(self) -> str:
        return self.start if not self.end else f"{self.start} – {self.end}"


@dataclass(frozen=True)
class Note:
    note_id: str
    paragraph: int
    kind: str
    anchor: str
    reading: str | None
    note: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    claim_id: str
    paragraph: int
    quote: str
    claim_type: str
    verdict: str
    record: str
    sources_for: tuple[str, ...]
    sources_against: tuple[str, ...]


@dataclass(frozen=True)
class PresidiumMember:
    entity_id: str
    membership: str
    stance: str
    stance_note: str
    fate: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    question_id: str
    paragraph: int
    question: str
    expected_points: str
    related: tuple[str, ...]


@dataclass(frozen=True)
class Excerpt:
    """A document the essay quotes: the quotation, its citation, what is verified about it, and its context."""

    quotation: str
    essay_citation: str
    paragraph: int
    claim_supported: str
    document: dict
    verification: tuple[dict, ...]
    context: tuple[dict, ...]
    related_documents: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    number: int
    text: str
    mentions: tuple[Mention, ...] = ()
    notes: tuple[Note, ...] = ()
    claims: tuple[Claim, ...] = ()
    event_ids: tuple[str, ...] = ()
    entity_ids: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()

    @property
    def label(self) -> str:
        """The citable id: ¶1 … ¶N."""
        return f"¶{self.number}"


def _records(rows: list[dict] | None, model: type) -> list:
    """Model objects from a table's rows (plain Python values: a cached model never needs pandas)."""
    if not rows:
        return []
    names = [field.name for field in dataclasses.fields(model) if field.name in rows[0]]
    return [model(**{name: _none_if_missing(row[name]) for name in names}) for row in rows]


def _none_if_missing(value):
    return None if value is None or (isinstance(value, float) and value != value) else value  # NaN != NaN


def _group_by_paragraph(*collections) -> list[dict[int, list]]:
    groups = []
    for items in collections:
        group: dict[int, list] = {}
        for item in items:
            group.setdefault(item.paragraph, []).append(item)
        groups.append(group)
    return groups


def prepared_tables(tables: dict) -> dict:
    """The validated tables as students query them: without the file line, events in date order."""
    tables = {name: (frame.drop(columns="line") if frame is not None else None) for name, frame in tables.items()}
    tables["events"] = (
        tables["events"]
        .assign(precision=tables["events"]["start"].map(date_precision))
        .sort_values(["start", "event_id"], kind="stable")
        .reset_index(drop=True)
    )
    return tables


def _table_property(name: str) -> property:
    return property(lambda self: self.tables[name], doc=f"The {name} table, as a pandas DataFrame.")


class Edition:
    """One text with its apparatus: DataFrames to query, and model objects to render.

    DataFrames: ``paragraphs``, ``entities``, ``roles``, ``mentions``, ``events``, ``notes``, ``claims``,
    ``references``, ``sources``, ``presidium``, ``questions``, ``excerpt`` (the quoted document, one row per part
    with its verification status); ``excerpt_document`` is the quoted document as a model object.

    The model objects are plain Python. The DataFrames are kept apart when the edition is cached (see
    ``reader.cache``), so a kernel that only reads — every student's — never imports pandas; the first use of a
    DataFrame brings them back.
    """

    def __init__(
        self, folder: Path, tables: dict, metadata: dict, excerpt_data: dict | None = None, rows: dict | None = None
    ):
        """``rows``: each table's rows as dicts, when the loader has them already (else they come from ``tables``)."""
        self.folder = folder
        self.metadata = metadata
        self.excerpt_data = excerpt_data
        self.tables_key: str | None = None  # where reader.cache keeps the DataFrames of a cached edition
        # Gives the prepared tables back to a model whose DataFrames were kept apart (set by the loader).
        self.tables_source: Callable[[Edition], dict] | None = None
        self.warnings: tuple[str, ...] = ()  # valid, but likely to mislead: one line each, as for errors
        self._tables = prepared_tables(tables)
        data = excerpt_data
        self.excerpt_document = (
            Excerpt(
                **{
                    key: data[key]
                    for key in ("quotation", "essay_citation", "paragraph", "claim_supported", "document")
                },
                verification=tuple(data.get("verification") or ()),
                context=tuple(data.get("context") or ()),
                related_documents=tuple(data.get("related_documents") or ()),
            )
            if data
            else None
        )
        self._counts = {name: (0 if frame is None else len(frame)) for name, frame in self._tables.items()}
        if rows is None:
            rows = {name: (frame.to_dict("records") if frame is not None else None) for name, frame in tables.items()}
        events = sorted(rows["events"], key=lambda row: (row["start"], row["event_id"]))  # as the events table
        self._build_model({**rows, "events": events})

    def __getstate__(self) -> dict:
        """Pickled without the DataFrames: ``reader.cache`` stores them in a file of their own."""
        return {**self.__dict__, "_tables": None}

    @property
    def tables(self) -> dict:
        """The validated tables by name (None for an optional table the edition does not have)."""
        if self._tables is None:
            if self.tables_source is None:
                raise RuntimeError("this edition's tables were kept apart and it has no tables_source to read them")
            self._tables = self.tables_source(self)
        return self._tables

    # DataFrames, for students to query -------------------------------------------------------------------
    paragraphs = _table_property("paragraphs")
    entities = _table_property("entities")
    roles = _table_property("roles")
    mentions = _table_property("mentions")
    events = _table_property("events")
    notes = _table_property("notes")
    claims = _table_property("claims")
    references = _table_property("references")
    sources = _table_property("sources")
    presidium = _table_property("presidium")
    questions = _table_property("questions")

    @property
    def name(self) -> str:
        """The edition's folder name: its id (the name of a student's notes file, for one)."""
        return self.folder.name

    @property
    def excerpt(self) -> "pd.DataFrame":
        """The quoted document's verification, one row per part (quotation, title, date, page, ...)."""
        import pandas as pd

        items = self.excerpt_document.verification if self.excerpt_document else ()
        return pd.DataFrame(
            [
                {
                    "part": item.get("part"),
                    "status": item.get("status"),
                    "how": item.get("how"),
                    "source_ids": tuple(item.get("source_ids") or ()),
                }
                for item in items
            ],
            columns=["part", "status", "how", "source_ids"],
        )

    @property
    def title(self) -> str:
        return str(self.metadata["title"])

    # The model, for widgets ------------------------------------------------------------------------------
    def _build_model(self, tables: dict[str, list[dict] | None]) -> None:
        mentions = _records(tables["mentions"], Mention)
        notes = _records(tables["notes"], Note)
        claims = _records(tables["claims"], Claim)
        events = _records(tables["events"], Event)
        roles_by_entity: dict[str, list[Role]] = {}
        for row in tables["roles"] or ():
            roles_by_entity.setdefault(row["entity_id"], []).append(
                Role(row["role"], row["start"], row["end"], row["source_ids"])
            )
        paragraphs_by_entity: dict[str, list[int]] = {}
        for mention in mentions:
            numbers = paragraphs_by_entity.setdefault(mention.entity_id, [])
            if mention.paragraph not in numbers:
                numbers.append(mention.paragraph)
        self._entities = {
            entity.entity_id: Entity(
                **{
                    **entity.__dict__,
                    "roles": tuple(roles_by_entity.get(entity.entity_id, ())),
                    "paragraphs": tuple(sorted(paragraphs_by_entity.get(entity.entity_id, ()))),
                }
            )
            for entity in _records(tables["entities"], Entity)
        }
        self._events = {event.event_id: event for event in events}
        self._presidium = tuple(_records(tables["presidium"], PresidiumMember))
        self._sources = {source.source_id: source for source in _records(tables["sources"], Source)}
        for row in tables["references"] or ():
            self._sources[row["reference_id"]] = Source(row["reference_id"], row["verbatim"], row["url"], row["note"])
        questions = _records(tables["questions"], Question)
        by_paragraph = _group_by_paragraph(mentions, notes, claims, questions)
        events_by_paragraph: dict[int, list[str]] = {}
        for event in events:
            for number in event.paragraphs:
                events_by_paragraph.setdefault(number, []).append(event.event_id)
        self._paragraphs = {}
        for number, text in ((row["paragraph"], row["text"]) for row in tables["paragraphs"] or ()):
            own_mentions, own_notes, own_claims, own_questions = (
                tuple(group.get(number, ())) for group in by_paragraph
            )
            self._paragraphs[number] = Paragraph(
                number=number,
                text=text,
                mentions=own_mentions,
                notes=own_notes,
                claims=own_claims,
                event_ids=tuple(events_by_paragraph.get(number, ())),
                entity_ids=tuple(dict.fromkeys(mention.entity_id for mention in own_mentions)),
                questions=own_questions,
            )

    @property
    def paragraph_count(self) -> int:
        return len(self._paragraphs)

    def paragraph(self, number: int) -> Paragraph:
        return self._paragraphs[number]

    def all_paragraphs(self) -> tuple[Paragraph, ...]:
        return tuple(self._paragraphs.values())

    def entity(self, entity_id: str) -> Entity:
        return self._entities[entity_id]

    def all_entities(self) -> tuple[Entity, ...]:
        return tuple(self._entities.values())

    def event(self, event_id: str) -> Event:
        return self._events[event_id]

    def all_events(self) -> tuple[Event, ...]:
        return tuple(self._events.values())

    def presidium_members(self) -> tuple[PresidiumMember, ...]:
        return self._presidium

    def source(self, source_id: str) -> Source:
        """A source of the apparatus, or one of the essay's own references."""
        return self._sources[source_id]

    def counts(self) -> dict[str, int]:
        """How much the edition holds, for ``reader check`` and the start notebook."""
        shown = ("paragraphs", "entities", "mentions", "events", "notes", "claims", "references", "sources")
        return {
            **{name: self._counts[name] for name in shown},
            "presidium members": self._counts["presidium"],
            "questions": self._counts["questions"],
        }

    def __repr__(self) -> str:
        counts = ", ".join(f"{count} {name}" for name, count in self.counts().items())
        return f"Edition({self.title!r}: {counts})"
