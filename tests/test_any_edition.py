"""No valid edition crashes a view: editions built by hypothesis, checked by the loader, rendered every way.

Each example is an edition folder written as a teacher would write it (CSV and YAML), within the loader's own rules:
any subset of the optional files and keys present or absent, tables empty or not, one paragraph or many, short words
or long paragraphs, names and notes anywhere, text in any script with characters HTML and Markdown treat specially.
Its mentions are made by ``reader mentions --write``; ``reader check`` must then find it valid, and every view, every
panel, every generated notebook (its code cells run in this process) and the handout must render it.
"""

import ast
import contextlib
import csv
import datetime
import io
import json
import tempfile
from pathlib import Path

import ipywidgets as widgets
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reader
from reader import handout, panels
from reader.cli import main
from reader.model import DEFAULT_THEME_COLOURS
from reader.notebooks import build_notebooks
from reader.schema import (
    CLAIM_TYPES,
    ENTITY_KINDS,
    NOTE_KINDS,
    THEME_SHAPES,
    VERDICTS,
    VERIFICATION_STATUSES,
)
from reader.widgets import Chronology, EntityCards, ExcerptView, ParagraphReader, QuestionsView
from reader.widgets.app import TAB_TITLES
from reader.widgets.search_view import SearchView

NAMES = ("Alder", "Birch", "Cedar", "Damson", "Elm", "Fir")  # the spellings cards use; random words are around them
SOURCE_IDS = ("source-one", "source-two", "source-three")
LANGUAGES = ("en", "ru", "de-AT", "fr")

# Text in any script, with what HTML, Markdown, CSV and MathJax treat specially, but no control characters (the
# loader refuses them) and no white space inside a word (words are joined with spaces).
WORD = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
)
TEXT = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
ITEMS = st.lists(WORD.filter(lambda word: ";" not in word), min_size=1, max_size=3).map(";".join)  # a list cell


def iso_date(draw) -> str:
    day = draw(st.dates(min_value=datetime.date(1800, 1, 1)))
    return day.isoformat()[: draw(st.sampled_from((4, 7, 10)))]


def date_range(draw, *, start_required: bool = False) -> tuple[str | None, str | None]:
    """A start and an end in order (either may be empty unless required), each at its own precision."""
    first, second = sorted((iso_date(draw), iso_date(draw)))
    start = first if start_required or draw(st.booleans()) else None
    end = second if draw(st.booleans()) else None
    return start, end


def words_of(draw, text: str) -> str:
    """Whole words of ``text``, in a row: what a note's anchor or a claim's quote copies from its paragraph."""
    words = text.split(" ")
    first = draw(st.integers(0, len(words) - 1))
    last = draw(st.integers(first + 1, min(len(words), first + 6)))
    return " ".join(words[first:last])


def sources(draw, *, required: bool = True) -> str:
    chosen = draw(st.lists(st.sampled_from(SOURCE_IDS), min_size=1 if required else 0, max_size=2, unique=True))
    return ";".join(chosen)


def csv_text(header: list[str], rows: list[list]) -> str:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
    return output.getvalue()


class NoAliasDumper(yaml.SafeDumper):
    """The loader refuses YAML anchors and aliases: never write one, even for a value used twice."""

    def ignore_aliases(self, data):
        return True


def yaml_text(value) -> str:
    return yaml.dump(value, Dumper=NoAliasDumper, allow_unicode=True, sort_keys=False)


@st.composite
def editions(draw) -> dict[str, str]:
    """The files of a valid edition, by name."""
    files: dict[str, str] = {}
    long_text = draw(st.booleans())
    paragraph_count = draw(st.integers(1, 14))
    paragraphs = []
    for _ in range(paragraph_count):
        words = draw(st.lists(st.one_of(WORD, st.sampled_from(NAMES)), min_size=1, max_size=120 if long_text else 6))
        paragraphs.append(" ".join(words))
    files["paragraphs.csv"] = csv_text(["paragraph", "text"], [[n, text] for n, text in enumerate(paragraphs, 1)])
    numbers = st.integers(1, paragraph_count)

    # Cards: some of the names the text uses (with that spelling), and cards the text does not name.
    used = [name for name in NAMES if any(name in text.split(" ") for text in paragraphs)]
    entity_rows, entity_kinds = [], {}
    for index, name in enumerate(draw(st.lists(st.sampled_from(used), unique=True)) if used else []):
        kind = draw(st.sampled_from(ENTITY_KINDS))
        start, end = date_range(draw)
        entity_id = f"card-{index}"
        entity_kinds[entity_id] = kind
        original = draw(st.one_of(st.none(), TEXT))
        entity_rows.append([entity_id, kind, draw(TEXT), original, name, start, end, draw(TEXT), None, sources(draw)])
    for index in range(draw(st.integers(0, 2))):
        entity_id = f"unnamed-{index}"
        kind = draw(st.sampled_from(ENTITY_KINDS))
        entity_kinds[entity_id] = kind
        qid = draw(st.one_of(st.none(), st.integers(1, 10**6).map(lambda number: f"Q{number}")))
        entity_rows.append([entity_id, kind, draw(TEXT), None, None, None, None, draw(TEXT), qid, sources(draw)])
    files["entities.csv"] = csv_text(
        ["entity_id", "kind", "name", "original_name", "aliases", "start", "end", "summary", "wikidata", "source_ids"],
        entity_rows,
    )
    role_rows = []
    for entity_id in draw(st.lists(st.sampled_from(sorted(entity_kinds)), max_size=4)) if entity_kinds else []:
        start, end = date_range(draw)
        role_rows.append([entity_id, draw(TEXT), start, end, sources(draw)])
    files["roles.csv"] = csv_text(["entity_id", "role", "start", "end", "source_ids"], role_rows)
    register = draw(st.booleans())
    if register:  # a course's register beside the edition: cards for names this text may or may not use
        own_names = {row[4] for row in entity_rows}
        free_names = [name for name in NAMES if name not in own_names]
        shared = draw(st.lists(st.sampled_from(free_names), unique=True)) if free_names else []
        files["../register/entities.csv"] = csv_text(
            [
                "entity_id",
                "kind",
                "name",
                "original_name",
                "aliases",
                "start",
                "end",
                "summary",
                "wikidata",
                "source_ids",
            ],
            [
                [f"shared-{name.lower()}", draw(st.sampled_from(ENTITY_KINDS)), draw(TEXT), None, name, None, None]
                + [draw(TEXT), None, "register-source"]
                for name in shared
            ],
        )
        files["../register/sources.csv"] = csv_text(
            ["source_id", "citation", "url", "note"], [["register-source", draw(TEXT), None, None]]
        )
    files["mentions.csv"] = "paragraph,start,end,surface,entity_id\n"  # made by `reader mentions --write` below

    files["sources.csv"] = csv_text(
        ["source_id", "citation", "url", "note"],
        [
            [
                source_id,
                draw(TEXT),
                draw(st.sampled_from((None, "https://example.org/a?b=1&c=<2>", "http://example.org/"))),
                draw(st.one_of(st.none(), TEXT)),
            ]
            for source_id in SOURCE_IDS
        ],
    )

    # The edition's vocabulary: themes declared or taken from the events.
    metadata: dict = {
        "title": draw(TEXT),
        "provenance": draw(TEXT),
        **({"register": "../register"} if register else {}),
    }
    declared_themes = draw(st.booleans())
    theme_ids = [f"theme-{index}" for index in range(draw(st.integers(1, 4)))]
    if declared_themes:
        metadata["themes"] = [
            {
                "id": theme_id,
                "label": draw(TEXT),
                "colour": DEFAULT_THEME_COLOURS[index % len(DEFAULT_THEME_COLOURS)],
                **({"shape": draw(st.sampled_from(THEME_SHAPES))} if draw(st.booleans()) else {}),
            }
            for index, theme_id in enumerate(theme_ids)
        ]
    event_rows = []
    for index in range(draw(st.integers(0, 6))):
        start, end = date_range(draw, start_required=True)
        bears_on = draw(st.lists(numbers, max_size=3, unique=True))
        wording = words_of(draw, paragraphs[bears_on[0] - 1]) if bears_on and draw(st.booleans()) else None
        event_rows.append(
            [
                f"event-{index}",
                start,
                end,
                draw(TEXT),
                draw(TEXT),
                draw(st.sampled_from(theme_ids)),
                ";".join(map(str, bears_on)),
                draw(st.one_of(st.none(), TEXT)),
                wording,
                sources(draw),
            ]
        )
    files["events.csv"] = csv_text(
        [
            "event_id",
            "start",
            "end",
            "title",
            "summary",
            "theme",
            "paragraphs",
            "essay_date",
            "essay_wording",
            "source_ids",
        ],
        event_rows,
    )
    note_rows = []
    for index in range(draw(st.integers(0, 6))):
        number = draw(numbers)
        kind = draw(st.sampled_from(NOTE_KINDS))
        reading = draw(TEXT) if kind == "sic" else draw(st.one_of(st.none(), TEXT))
        anchor = words_of(draw, paragraphs[number - 1])
        note_rows.append([f"n{index}", number, kind, anchor, reading, draw(TEXT), sources(draw, required=False)])
    files["notes.csv"] = csv_text(
        ["note_id", "paragraph", "kind", "anchor", "reading", "note", "source_ids"], note_rows
    )
    claim_rows = []
    for index in range(draw(st.integers(0, 6))):
        number = draw(numbers)
        claim_rows.append(
            [
                f"c{index}",
                number,
                words_of(draw, paragraphs[number - 1]),
                draw(st.sampled_from(CLAIM_TYPES)),
                draw(st.sampled_from(VERDICTS)),
                draw(TEXT),
                sources(draw, required=False),
                sources(draw, required=False),
            ]
        )
    files["claims.csv"] = csv_text(
        ["claim_id", "paragraph", "quote", "claim_type", "verdict", "record", "sources_for", "sources_against"],
        claim_rows,
    )
    if draw(st.booleans()):
        apparatus = [row[0] for row in note_rows + claim_rows + event_rows]
        files["questions.csv"] = csv_text(
            ["question_id", "paragraph", "question", "expected_points", "related"],
            [
                [
                    f"q{index}",
                    draw(numbers),
                    draw(TEXT),
                    draw(TEXT),
                    ";".join(draw(st.lists(st.sampled_from(apparatus), max_size=2, unique=True))) if apparatus else "",
                ]
                for index in range(draw(st.integers(0, 4)))
            ],
        )
    if draw(st.booleans()):  # a reference list, with or without a web page's columns
        web_columns = draw(st.booleans())
        header = ["reference_id", "verbatim", "authors", "date", "date_as_printed", "title", "url"]
        header += ["retrieved", "cited_as"] if web_columns else []
        header += ["note", "source_ids"]
        rows = []
        for index in range(draw(st.integers(0, 3))):
            row = [
                f"ref-{index}",
                draw(TEXT),
                draw(st.one_of(st.none(), ITEMS)),
                iso_date(draw),
                None,
                draw(TEXT),
                None,
            ]
            row += [iso_date(draw), draw(TEXT)] if web_columns else []
            row += [draw(st.one_of(st.none(), TEXT)), sources(draw, required=False)]
            rows.append(row)
        files["references.csv"] = csv_text(header, rows)

    # Optional keys of edition.yaml.
    optional = {
        "text_kind": TEXT,
        "language": st.sampled_from(LANGUAGES),
        "original_language": st.sampled_from(LANGUAGES),
        "author": st.one_of(TEXT, st.just("not verified")),
        "platform": TEXT,
        "roles_period": TEXT,
        "search_example": TEXT,
        "url": st.just("https://example.org/text"),
    }
    for key, values in optional.items():
        if draw(st.booleans()):
            metadata[key] = draw(values)
    if draw(st.booleans()):
        first = draw(st.integers(1800, 2020))
        metadata["years"] = {"from": first, "to": draw(st.integers(first, 2030))}
    if draw(st.booleans()):
        metadata["verification"] = [
            {"part": draw(TEXT), "status": draw(st.sampled_from(VERIFICATION_STATUSES)), "how": draw(TEXT)}
        ]
    if draw(st.booleans()):
        metadata["conventions"] = [{"topic": draw(TEXT), "text": draw(TEXT)}]
    metadata["rights"] = {"status": draw(TEXT), "holder": draw(TEXT)}
    if entity_kinds and draw(st.booleans()):  # a roster of some cards, with a column of allowed values and a note
        kind = draw(st.sampled_from(sorted(set(entity_kinds.values()))))
        members = sorted(entity_id for entity_id, own_kind in entity_kinds.items() if own_kind == kind)
        values = draw(st.lists(TEXT, min_size=1, max_size=3, unique=True))
        metadata["rosters"] = [
            {
                "file": "roster.csv",
                "caption": draw(TEXT),
                "entity_kind": kind,
                "columns": [
                    {"name": "standing", "label": draw(TEXT), "values": values, "note": "standing_note"},
                    {"name": "standing_note", "label": draw(TEXT)},
                ],
            }
        ]
        files["roster.csv"] = csv_text(
            ["entity_id", "standing", "standing_note", "source_ids"],
            [
                [entity_id, draw(st.sampled_from(values)), draw(TEXT), sources(draw)]
                for entity_id in draw(st.lists(st.sampled_from(members), unique=True))
            ],
        )
    files["edition.yaml"] = yaml_text(metadata)

    # Quoted documents: none, one (excerpt.yaml), more (documents.yaml), or both.
    def quoted_document() -> dict:
        number = draw(numbers)
        document = {
            "quotation": words_of(draw, paragraphs[number - 1]),
            "essay_citation": words_of(draw, paragraphs[number - 1]),
            "paragraph": number,
            "claim_supported": draw(TEXT),
            "document": {"title": draw(TEXT), **({"date": iso_date(draw)} if draw(st.booleans()) else {})},
            "verification": [
                {"part": draw(TEXT), "status": draw(st.sampled_from(VERIFICATION_STATUSES)), "how": draw(TEXT)}
            ],
            "context": [{"text": draw(TEXT), "source_ids": [draw(st.sampled_from(SOURCE_IDS))]}],
        }
        if draw(st.booleans()):
            document["context_heading"] = draw(TEXT)
        if draw(st.booleans()):
            document["related_documents"] = [{"citation": draw(TEXT), "url": "https://example.org/related"}]
        return document

    if draw(st.booleans()):
        files["excerpt.yaml"] = yaml_text(quoted_document())
    if draw(st.booleans()):
        files["documents.yaml"] = yaml_text({"documents": [quoted_document() for _ in range(draw(st.integers(1, 2)))]})
    if draw(st.booleans()):  # the text as received: a heading, then the paragraphs
        files["source.txt"] = draw(TEXT) + "\n\n" + "\n\n".join(paragraphs) + "\n"
    return files


def write_edition(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as errors:
        assert main(["mentions", str(folder), "--write"]) == 0, errors.getvalue()


def check(folder: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()) as output, contextlib.redirect_stderr(io.StringIO()) as errors:
        status = main(["check", str(folder)])
    assert status == 0, errors.getvalue()
    assert "valid: every file" in output.getvalue()


def render_every_view(edition) -> None:
    """Every widget, on every paragraph, with every layer, card, event and document; their text reprs."""
    app = reader.open(edition.folder, class_mode=True, teacher=True)
    for title in TAB_TITLES:
        app.open_tab(title)
        assert isinstance(app.view(title), widgets.Widget)
    for paragraph in edition.all_paragraphs():  # the tabs that follow the paragraph, on every paragraph
        app.go_to(paragraph.number)
        for title in ("Cards", "Chronology", "Questions"):
            app.open_tab(title)
        assert f"{paragraph.label} of {edition.paragraph_count}" in repr(app)
    paragraph_reader = ParagraphReader(edition)
    paragraph_reader.with_readings = paragraph_reader.with_claims = True
    for paragraph in edition.all_paragraphs():
        paragraph_reader.paragraph_number = paragraph.number
        assert paragraph.label in paragraph_reader.text_view.value
    cards = EntityCards(edition)
    for entity in edition.all_entities():
        cards.entity_id = entity.entity_id
        assert repr(cards)
    chronology = Chronology(edition)
    for event in edition.all_events():
        chronology.show_event(event.event_id)
    for theme in chronology.all_themes:  # the themes its events use
        chronology.themes = (theme,)
        chronology.years = chronology.year_range
    assert repr(chronology) and repr(ExcerptView(edition))
    questions = QuestionsView(edition, teacher=True)
    for paragraph in edition.all_paragraphs():
        questions.paragraph_number = paragraph.number
    search = SearchView(edition)
    for query in (edition.search_example, edition.paragraph(1).text.split(" ")[0], "¶1", "1957"):
        search.query = query
        assert repr(search)
    for view in (app, paragraph_reader, cards, chronology, questions, search):
        view.close()


def render_every_panel(edition) -> None:
    shown = [panels.about(edition), panels.claims_by_verdict(edition), panels.questions(edition, teacher=True)]
    shown += [panels.paragraph(edition, paragraph.number) for paragraph in edition.all_paragraphs()]
    shown += [panels.entity_register(edition, kind) for kind in (None, *ENTITY_KINDS)]
    shown += [panels.roster(edition)] + [panels.roster(edition, roster.roster_id) for roster in edition.rosters()]
    shown += [panels.chronology(edition)] + [panels.chronology(edition, theme.theme_id) for theme in edition.themes]
    shown += [panels.excerpt(edition, number) for number in range(1, len(edition.documents) + 2)]
    for panel in shown:
        assert isinstance(panel._repr_html_(), str) and isinstance(repr(panel), str)


def run_notebooks(edition) -> None:
    """Every generated notebook's code cells, in order, in this process; each cell's value shown as Jupyter would."""
    for name, text in build_notebooks(edition).items():
        namespace: dict = {}
        for cell in json.loads(text)["cells"]:
            if cell["cell_type"] != "code":
                continue
            tree = ast.parse("".join(cell["source"]))
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, name, "exec"), namespace)  # noqa: S102 - the generated notebook's own cell
            if last is not None:
                value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)  # noqa: S307
                assert isinstance(repr(value), str)
                if hasattr(value, "_repr_html_"):
                    assert isinstance(value._repr_html_(), str)
                if isinstance(value, widgets.Widget):
                    value.close()
        assert namespace.get("edition") is None or namespace["edition"].folder.resolve() == edition.folder.resolve()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=editions())
def test_any_valid_edition_checks_and_renders_everywhere(files):
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "edition"
        write_edition(folder, files)
        check(folder)
        edition = reader.load(folder)
        render_every_view(edition)
        render_every_panel(edition)
        run_notebooks(edition)
        for teacher in (False, True):
            page = handout.build_handout(edition, teacher=teacher)
            assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")


def test_the_generator_makes_editions_with_and_without_each_optional_part():
    """The strategy really varies what is optional (else the property would prove less than it says)."""
    seen: dict[str, set[bool]] = {}

    @settings(max_examples=40, deadline=None, database=None)
    @given(files=editions())
    def record(files):
        optional = ("questions.csv", "references.csv", "excerpt.yaml", "documents.yaml", "source.txt", "roster.csv")
        for name in (*optional, "../register/entities.csv"):
            seen.setdefault(name, set()).add(name in files)
        seen.setdefault("no events", set()).add(files["events.csv"].count("\n") == 1)
        seen.setdefault("themes", set()).add("themes:" in files["edition.yaml"])

    record()
    assert all(value == {True, False} for value in seen.values()), seen
