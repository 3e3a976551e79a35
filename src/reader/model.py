"""The edition as objects: what the widgets render. Built once at load, so a paragraph change only looks up."""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reader.schema import date_precision


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


def _records(frame: pd.DataFrame | None, model: type) -> list:
    if frame is None:
        return []
    names = [name for name in model.__dataclass_fields__ if name in frame.columns]
    return [model(**{name: _none_if_missing(row[name]) for name in names}) for row in frame.to_dict("records")]


def _none_if_missing(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _group_by_paragraph(*collections) -> list[dict[int, list]]:
    groups = []
    for items in collections:
        group: dict[int, list] = {}
        for item in items:
            group.setdefault(item.paragraph, []).append(item)
        groups.append(group)
    return groups


@dataclass
class Edition:
    """One text with its apparatus: DataFrames to query, and model objects to render.

    DataFrames: ``paragraphs``, ``entities``, ``roles``, ``mentions``, ``events``, ``notes``, ``claims``,
    ``references``, ``sources``, ``presidium``, ``questions``, ``excerpt`` (the quoted document, one row per part
    with its verification status); ``excerpt_document`` is the quoted document as a model object.
    """

    folder: Path
    tables: dict[str, pd.DataFrame | None]
    metadata: dict
    excerpt_data: dict | None = None
    _paragraphs: dict[int, Paragraph] = field(init=False, repr=False)

    def __post_init__(self):
        tables = {
            name: (frame.drop(columns="line") if frame is not None else None) for name, frame in self.tables.items()
        }
        tables["events"] = (
            tables["events"]
            .assign(precision=tables["events"]["start"].map(date_precision))
            .sort_values(["start", "event_id"], kind="stable")
            .reset_index(drop=True)
        )
        self.tables = tables
        data = self.excerpt_data
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
        self._build_model()

    # DataFrames, for students to query -------------------------------------------------------------------
    paragraphs = property(lambda self: self.tables["paragraphs"])
    entities = property(lambda self: self.tables["entities"])
    roles = property(lambda self: self.tables["roles"])
    mentions = property(lambda self: self.tables["mentions"])
    events = property(lambda self: self.tables["events"])
    notes = property(lambda self: self.tables["notes"])
    claims = property(lambda self: self.tables["claims"])
    references = property(lambda self: self.tables["references"])
    sources = property(lambda self: self.tables["sources"])
    presidium = property(lambda self: self.tables["presidium"])
    questions = property(lambda self: self.tables["questions"])

    @property
    def name(self) -> str:
        """The edition's folder name: its id (the name of a student's notes file, for one)."""
        return self.folder.name

    @property
    def excerpt(self) -> pd.DataFrame:
        """The quoted document's verification, one row per part (quotation, title, date, page, ...)."""
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
    def _build_model(self) -> None:
        mentions = _records(self.mentions, Mention)
        notes = _records(self.notes, Note)
        claims = _records(self.claims, Claim)
        events = _records(self.events, Event)
        roles_by_entity: dict[str, list[Role]] = {}
        for row in self.roles.to_dict("records"):
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
            for entity in _records(self.entities, Entity)
        }
        self._events = {event.event_id: event for event in events}
        self._presidium = tuple(_records(self.presidium, PresidiumMember))
        self._sources = {source.source_id: source for source in _records(self.sources, Source)}
        for row in self.references.to_dict("records"):
            self._sources[row["reference_id"]] = Source(row["reference_id"], row["verbatim"], row["url"], row["note"])
        questions = _records(self.questions, Question)
        by_paragraph = _group_by_paragraph(mentions, notes, claims, questions)
        events_by_paragraph: dict[int, list[str]] = {}
        for event in events:
            for number in event.paragraphs:
                events_by_paragraph.setdefault(number, []).append(event.event_id)
        self._paragraphs = {}
        for number, text in zip(self.paragraphs["paragraph"], self.paragraphs["text"], strict=True):
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
        return {
            "paragraphs": len(self.paragraphs),
            "entities": len(self.entities),
            "mentions": len(self.mentions),
            "events": len(self.events),
            "notes": len(self.notes),
            "claims": len(self.claims),
            "references": len(self.references),
            "sources": len(self.sources),
            "presidium members": 0 if self.presidium is None else len(self.presidium),
            "questions": 0 if self.questions is None else len(self.questions),
        }

    def __repr__(self) -> str:
        counts = ", ".join(f"{count} {name}" for name, count in self.counts().items())
        return f"Edition({self.title!r}: {counts})"
