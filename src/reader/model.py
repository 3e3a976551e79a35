"""The edition as objects: what the widgets render. Built once at load, so a paragraph change only looks up.

The model never reads files: the loader hands it what it needs (and how to get its tables back when it was cached),
so this module imports neither the loader nor the cache.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader.schema import DEFAULT_LANGUAGE, DEFAULT_TEXT_KIND, THEME_SHAPES, date_precision, roster_spec

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
class Appearance:
    """Where else in the course a card of the shared register appears: another edition and its paragraphs."""

    edition_name: str
    title: str
    paragraphs: tuple[int, ...]


@dataclass(frozen=True)
class Entity:
    entity_id: str
    kind: str
    name: str
    original_name: str | None
    aliases: tuple[str, ...]
    start: str | None
    end: str | None
    summary: str
    wikidata: str | None
    source_ids: tuple[str, ...]
    roles: tuple[Role, ...] = ()
    paragraphs: tuple[int, ...] = ()
    elsewhere: tuple[Appearance, ...] = ()  # the other editions of the course that name it (a register's card)


@dataclass(frozen=True)
class Event:
    event_id: str
    start: str
    end: str | None
    title: str
    summary: str
    theme: str  # the theme's label, as shown; ``theme_id`` is the id the events table holds
    paragraphs: tuple[int, ...]
    essay_date: str | None
    essay_wording: str | None
    source_ids: tuple[str, ...]
    theme_id: str = ""

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
class Theme:
    """A theme of the chronology: its id (in events.csv), its label, its colour and its mark."""

    theme_id: str
    label: str
    colour: str
    shape: str


# Colours for themes an edition does not declare (each at least 4.5:1 on white), in this order.
DEFAULT_THEME_COLOURS = ("#0b5394", "#6a1b9a", "#b00020", "#8a4b00", "#333333", "#1b5e20")


@dataclass(frozen=True)
class RosterColumn:
    name: str
    label: str
    values: tuple[str, ...] = ()
    note: str | None = None  # a column whose text follows this one's value in the same cell


@dataclass(frozen=True)
class Roster:
    """A table of cards the edition declares (members of a body, signatories, a vote): caption, columns, rows."""

    roster_id: str
    caption: str
    title: str
    entity_label: str
    columns: tuple[RosterColumn, ...]
    rows: tuple[dict, ...]

    @property
    def shown_columns(self) -> tuple[RosterColumn, ...]:
        """The columns with a cell of their own (a note is shown in the cell of the column it annotates)."""
        notes = {column.note for column in self.columns if column.note}
        return tuple(column for column in self.columns if column.name not in notes)


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
    context_heading: str | None = None


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
    ``references``, ``sources``, ``questions``, ``excerpt`` (the first quoted document, one row per part with its
    verification status), and each roster by ``roster_table(id)``; ``documents`` are the quoted documents as model
    objects (``excerpt_document`` the first).

    The model objects are plain Python. The DataFrames are kept apart when the edition is cached (see
    ``reader.cache``), so a kernel that only reads — every student's — never imports pandas; the first use of a
    DataFrame brings them back.
    """

    def __init__(
        self,
        folder: Path,
        tables: dict,
        metadata: dict,
        excerpt_data: dict | None = None,
        rows: dict | None = None,
        documents_data: list[dict] | None = None,
        course: dict[str, list] | None = None,
    ):
        """``rows``: each table's rows as dicts, when the loader has them already (else they come from ``tables``).

        ``documents_data``: the quoted documents (``excerpt_data`` is the one of an edition with a single one).
        ``course``: for the cards of a shared register, the other editions that name them, as
        ``{entity_id: [(edition name, title, paragraphs)]}``.
        """
        self._course = course or {}
        self.folder = folder
        self.metadata = metadata
        documents_data = list(documents_data or ([excerpt_data] if excerpt_data else []))
        self.excerpt_data = documents_data[0] if documents_data else None
        self.tables_key: str | None = None  # where reader.cache keeps the DataFrames of a cached edition
        # Gives the prepared tables back to a model whose DataFrames were kept apart (set by the loader).
        self.tables_source: Callable[[Edition], dict] | None = None
        self.warnings: tuple[str, ...] = ()  # valid, but likely to mislead: one line each, as for errors
        self._tables = prepared_tables(tables)
        self.documents = tuple(
            Excerpt(
                **{
                    key: data[key]
                    for key in ("quotation", "essay_citation", "paragraph", "claim_supported", "document")
                },
                verification=tuple(data.get("verification") or ()),
                context=tuple(data.get("context") or ()),
                related_documents=tuple(data.get("related_documents") or ()),
                context_heading=data.get("context_heading"),
            )
            for data in documents_data
        )
        self.excerpt_document = self.documents[0] if self.documents else None
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

    # The edition's own vocabulary (edition.yaml), for every label ------------------------------------------
    @property
    def text_kind(self) -> str:
        """What the text is (essay, memorandum, speech, letter ...), as labels name it."""
        return str(self.metadata.get("text_kind") or DEFAULT_TEXT_KIND)

    @property
    def language(self) -> str:
        """The language of the text, for its ``lang`` attribute."""
        return str(self.metadata.get("language") or DEFAULT_LANGUAGE)

    @property
    def original_language(self) -> str | None:
        """The language of the cards' original-language names, if the edition says."""
        return self.metadata.get("original_language")

    @property
    def roles_period(self) -> str | None:
        return self.metadata.get("roles_period")

    @property
    def search_example(self) -> str:
        """What the search box suggests: the edition's own example, else the first card's name."""
        declared = self.metadata.get("search_example")
        if declared:
            return str(declared)
        entities = self.all_entities()
        return entities[0].name if entities else ""

    @property
    def themes(self) -> tuple[Theme, ...]:
        """The chronology's themes in order: as declared, else those the events use, in order of first use."""
        declared = self.metadata.get("themes") or []
        if declared:
            return tuple(
                Theme(
                    theme["id"],
                    theme["label"],
                    theme["colour"],
                    theme.get("shape") or THEME_SHAPES[index % len(THEME_SHAPES)],
                )
                for index, theme in enumerate(declared)
            )
        used = list(dict.fromkeys(event.theme_id for event in self._events.values()))
        return tuple(
            Theme(
                theme_id,
                theme_id.replace("-", " "),
                DEFAULT_THEME_COLOURS[index % len(DEFAULT_THEME_COLOURS)],
                THEME_SHAPES[index % len(THEME_SHAPES)],
            )
            for index, theme_id in enumerate(used)
        )

    def theme(self, theme_id_or_label: str) -> Theme:
        return next(theme for theme in self.themes if theme_id_or_label in (theme.theme_id, theme.label))

    @property
    def year_span(self) -> tuple[int, int] | None:
        """The years the chronology shows: ``years`` of edition.yaml, else those of the events (None if none)."""
        declared = self.metadata.get("years")
        if declared:
            return int(declared["from"]), int(declared["to"])
        events = self.all_events()
        if not events:
            return None
        return min(int(event.start[:4]) for event in events), max(
            int((event.end or event.start)[:4]) for event in events
        )

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
                    "elsewhere": tuple(Appearance(*item) for item in self._course.get(entity.entity_id, ())),
                }
            )
            for entity in _records(tables["entities"], Entity)
        }
        labels = {theme["id"]: theme["label"] for theme in self.metadata.get("themes") or []}
        self._events = {
            event.event_id: dataclasses.replace(
                event, theme_id=event.theme, theme=labels.get(event.theme, event.theme.replace("-", " "))
            )
            for event in events
        }
        self._rosters = tuple(
            Roster(
                roster_id=roster_spec(roster).name,
                caption=roster["caption"],
                title=roster.get("title") or roster["caption"],
                entity_label=roster.get("entity_label") or "Name",
                columns=tuple(
                    RosterColumn(column["name"], column["label"], tuple(column.get("values") or ()), column.get("note"))
                    for column in roster["columns"]
                ),
                rows=tuple(tables.get(roster_spec(roster).name) or ()),
            )
            for roster in self.metadata.get("rosters") or ()
        )
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

    def rosters(self) -> tuple[Roster, ...]:
        return self._rosters

    def roster(self, roster_id: str) -> Roster:
        return next(roster for roster in self._rosters if roster.roster_id == roster_id)

    def roster_table(self, roster_id: str) -> "pd.DataFrame":
        """A roster as a pandas DataFrame, for students to query."""
        return self.tables[roster_id]

    def source(self, source_id: str) -> Source:
        """A source of the apparatus, or one of the essay's own references."""
        return self._sources[source_id]

    def counts(self) -> dict[str, int]:
        """How much the edition holds, for ``reader check`` and the start notebook."""
        shown = ("paragraphs", "entities", "mentions", "events", "notes", "claims", "references", "sources")
        return {
            **{name: self._counts[name] for name in shown},
            **{f"{roster.roster_id} members": len(roster.rows) for roster in self._rosters},
            "questions": self._counts["questions"],
            **({"quoted documents": len(self.documents)} if len(self.documents) > 1 else {}),
        }

    def __repr__(self) -> str:
        counts = ", ".join(f"{count} {name}" for name, count in self.counts().items())
        return f"Edition({self.title!r}: {counts})"
