"""The notebooks of an edition, made from its data and its prose: the same input gives the same bytes.

An edition's prose (introductions, the lesson plan) lives in Markdown files in its ``prose/`` folder, one per
notebook, named as the notebook is (``prose/03-entity-register.md`` makes ``03-entity-register.ipynb``). A line
``<!-- reader: NAME ARGUMENTS -->`` in a prose file stands for cells made from the data (a paragraph, the register,
the chronology ...). A notebook whose prose file is missing gets a plain default, so any edition has all seven.
No notebook holds content: every fact a code cell shows is read from the edition when it runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from reader import textfiles
from reader.errors import EditionError
from reader.model import Edition
from reader.schema import ID_PATTERN

PROSE_FOLDER = "prose"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
DIRECTIVE = re.compile(r"^<!--\s*reader:\s*(?P<name>[a-z-]+)(?P<arguments>[^>]*?)\s*-->\s*$")
KIND_HEADINGS = {
    "person": "People",
    "body": "Bodies",
    "office": "Offices",
    "place": "Places",
    "concept": "Concepts",
    "event": "Events",
}

DEFAULTS = {
    1: (
        "01-start-here",
        """# Start here: {title}

## Overview
This reader presents one {kind}, **{title}**, exactly as it was written, and beside it the apparatus you need to
judge it: cards for the people, bodies, places and ideas it names, a chronology, editorial notes and a check of
its claims against the historical record.

## Prerequisites
- None beyond reading; no Python is needed to use the reader.
- Time: about 10 minutes for this page.

## Where the {kind} comes from
<!-- reader: load -->
<!-- reader: about -->
## How to use the reader
Run the next cell (Shift+Enter). The reader appears below it: move through the {kind} paragraph by paragraph; the
tabs hold the cards, the chronology and any quoted document.
<!-- reader: open -->
## Summary / What next
{contents}
""",
    ),
    2: (
        "02-guided-reading",
        """# Guided reading: the {kind} paragraph by paragraph

## Overview
One section per paragraph: the paragraph as written, the names it mentions, the editorial notes, its claims with
what the record says, and the events it bears on.

## Prerequisites
- [01 Start here](01-start-here.ipynb).
- Time: about {minutes} minutes.
<!-- reader: load -->
<!-- reader: paragraphs -->
## How the claims fare
<!-- reader: claims-by-verdict -->
## Summary / What next
{contents}
""",
    ),
    3: (
        "03-register",
        """# Register: every card of the edition

## Overview
All the cards of the edition, kind by kind, and the tables the edition declares.

## Prerequisites
- Time: about 20 minutes.
<!-- reader: load -->
<!-- reader: rosters -->
<!-- reader: register -->
## Ask the data yourself
Which cards does the {kind} mention most often?
<!-- reader: top-mentions -->
## Summary / What next
{contents}
""",
    ),
    4: (
        "04-chronology",
        """# Chronology

## Overview
The events the {kind} bears on, as a timeline and a table, with the {kind}'s own dates beside the record's.

## Prerequisites
- Time: about 20 minutes.
<!-- reader: load -->
<!-- reader: chronology -->
## Explore
<!-- reader: chronology-widget -->
## Summary / What next
{contents}
""",
    ),
    5: (
        "05-quoted-documents",
        """# Quoted documents

## Overview
The documents the {kind} quotes: each quotation, the document as far as it can be identified, what is verified of
it, and its context.

## Prerequisites
- Time: about 15 minutes.
<!-- reader: load -->
<!-- reader: documents -->
## Summary / What next
{contents}
""",
    ),
    6: (
        "06-reader-app",
        """# Reader app

## Overview
The whole reader in one view, as students see it in class: judge-first is on (a claim's verdict stays hidden until
you have recorded your own judgement), and your notes are saved as you type to `~/reader-notes/`.
`reader app` serves this same view through Voilà, without code.

## Prerequisites
- None. Time: as long as you like.
<!-- reader: app -->
## Summary / What next
{contents}
""",
    ),
    7: (
        "07-teacher-guide",
        """# Teacher guide

## Overview
The discussion questions of every paragraph with the points to listen for, and the edition's tables.

## Prerequisites
- Time: about 15 minutes.
<!-- reader: load -->
<!-- reader: questions teacher -->
<!-- reader: rosters -->
## Summary / What next
{contents}
""",
    ),
}


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" or "code"
    source: str


def _prose_files(edition: Edition) -> dict[int, Path]:
    folder = edition.folder / PROSE_FOLDER
    if not folder.is_dir():
        return {}
    files = {}
    for path in sorted(folder.glob("[0-9][0-9]-*.md")):
        number = int(path.name[:2])
        if number in DEFAULTS and number not in files:
            files[number] = path
    return files


def notebook_names(edition: Edition) -> dict[int, str]:
    """Each notebook's name (without .ipynb): its prose file's, or the default."""
    prose = _prose_files(edition)
    return {number: (prose[number].stem if number in prose else name) for number, (name, _) in DEFAULTS.items()}


def _title_of(text: str) -> str:
    return next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")


def _markdown_text(value: str) -> str:
    """Text from the data inside generated Markdown: one line, with Markdown's own marks made literal."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(value.split()))


def build_notebooks(edition: Edition) -> dict[str, str]:
    """The notebooks of ``edition`` as JSON text by file name; EditionError for a prose file that is not valid."""
    prose = _prose_files(edition)
    names = notebook_names(edition)
    contents = "\n".join(
        f"- [{name[:2]} {name[3:].replace('-', ' ').capitalize()}]({name}.ipynb)" for name in names.values()
    )
    problems: list[str] = []
    notebooks = {}
    for number, (_, default) in DEFAULTS.items():
        if number in prose:
            where = f"{PROSE_FOLDER}/{prose[number].name}"
            text = textfiles.read_text(prose[number])
        else:
            where = f"(the default {names[number]})"
            text = default.format(
                title=_markdown_text(edition.title),
                kind=_markdown_text(edition.text_kind),
                minutes=max(5, 4 * edition.paragraph_count),
                contents=contents,
            )
        cells = _cells(edition, text, where, problems)
        notebooks[f"{names[number]}.ipynb"] = _notebook_json(cells)
    if problems:
        raise EditionError(problems)
    return notebooks


def write_notebooks(edition: Edition, folder: Path, write) -> list[Path]:
    """Write every notebook of ``edition`` into ``folder`` with ``write(path, text)``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    return [write(folder / name, text) for name, text in build_notebooks(edition).items()]


def _cells(edition: Edition, text: str, where: str, problems: list[str]) -> list[Cell]:
    cells: list[Cell] = []
    markdown: list[str] = []

    def flush() -> None:
        block = "\n".join(markdown).strip("\n")
        if block.strip():
            cells.append(Cell("markdown", block))
        markdown.clear()

    for line_number, line in enumerate(text.splitlines(), start=1):
        found = DIRECTIVE.match(line.strip())
        if not found:
            markdown.append(line.rstrip())
            continue
        flush()
        try:
            cells += _directive(edition, found.group("name"), found.group("arguments").split())
        except ValueError as error:
            problems.append(f"{where}, line {line_number}: {error}")
    flush()
    return cells


def _code(source: str) -> Cell:
    return Cell("code", source)


def _numbers(arguments: list[str], edition: Edition) -> list[int]:
    numbers = []
    for item in ",".join(arguments).split(","):
        if not (item.isascii() and item.isdigit() and 1 <= int(item) <= edition.paragraph_count):
            raise ValueError(f"{item!r} is not a paragraph; expected numbers from 1 to {edition.paragraph_count}")
        numbers.append(int(item))
    return numbers


def edition_argument(edition: Edition) -> str:
    """How a notebook names its edition: nothing for the default one, a bundled one by name, any other by path.

    Read from ``editions.yaml`` (not from READER_EDITION), so that the same edition gives the same notebooks.
    """
    from reader.paths import data_root, default_edition_name, listed_editions

    folder = edition.folder.resolve()
    try:
        if folder == (data_root() / default_edition_name()).resolve():
            return ""
        if any(folder == listed.resolve() for listed in listed_editions()):
            return json.dumps(folder.name, ensure_ascii=False)
    except EditionError:
        pass
    return json.dumps(str(folder), ensure_ascii=False)


def _directive(edition: Edition, name: str, arguments: list[str]) -> list[Cell]:
    """The cells a directive stands for (ValueError, said for a teacher, if it cannot be one)."""
    which = edition_argument(edition)
    simple = {
        "load": f"import reader\n\nedition = reader.load({which})",
        "about": "reader.panels.about(edition)",
        "open": f"reader.open({which})",
        # The default edition's app is the one `reader app` serves: a choice of text when the course has several.
        "app": f"import reader\n\nreader.open({which}, class_mode=True)"
        if which
        else "import reader\n\nreader.open_course(class_mode=True)",
        "claims-by-verdict": "reader.panels.claims_by_verdict(edition)",
        "top-mentions": 'edition.mentions["entity_id"].value_counts().head(10)',
        "chronology-widget": "reader.widgets.Chronology(edition)",
        "text-dates": 'edition.events.loc[edition.events["essay_date"].notna(), '
        '["start", "end", "title", "essay_date", "paragraphs"]]',
    }
    if name in simple:
        if arguments:
            raise ValueError(f"'{name}' takes no arguments")
        return [_code(simple[name])]
    if name == "paragraph":
        return [_code(f"reader.panels.paragraph(edition, {number})") for number in _numbers(arguments, edition)]
    if name == "paragraphs":
        cells = []
        for paragraph in edition.all_paragraphs():
            cells += [
                Cell("markdown", f"## {paragraph.label}"),
                _code(f"reader.panels.paragraph(edition, {paragraph.number})"),
            ]
        return cells
    if name in ("document", "document-paragraph"):
        number = _document_number(edition, arguments)
        if name == "document":
            return [_code(f"reader.panels.excerpt(edition, {number})")]
        return [_code(f"reader.panels.paragraph(edition, {edition.documents[number - 1].paragraph})")]
    if name == "documents":
        if not edition.documents:
            return [Cell("markdown", f"This {_markdown_text(edition.text_kind)} quotes no document.")]
        cells = []
        for number, document in enumerate(edition.documents, start=1):
            title = _markdown_text(str(document.document.get("title") or f"Document {number}"))
            cells += [
                Cell("markdown", f"## {title}"),
                _code(f"reader.panels.excerpt(edition, {number})"),
                Cell("markdown", "The paragraph that quotes it:"),
                _code(f"reader.panels.paragraph(edition, {document.paragraph})"),
            ]
        return cells
    if name in ("roster", "rosters"):
        ids = [roster.roster_id for roster in edition.rosters()]
        if name == "roster":
            if len(arguments) != 1 or arguments[0] not in ids:
                raise ValueError(f"'roster' takes the id of a roster; expected one of {', '.join(ids) or '(none)'}")
            return [_code(f'reader.panels.roster(edition, "{arguments[0]}")')]
        cells = []
        for roster in edition.rosters():
            cells += [
                Cell("markdown", f"## {_markdown_text(roster.title)}"),
                _code(f'reader.panels.roster(edition, "{roster.roster_id}")'),
            ]
        return cells
    if name == "register":
        kinds = list(dict.fromkeys(entity.kind for entity in edition.all_entities()))
        if arguments:
            if len(arguments) != 1 or arguments[0] not in KIND_HEADINGS:
                raise ValueError(f"'register' takes a kind of card; expected one of {', '.join(KIND_HEADINGS)}")
            return [_code(f'reader.panels.entity_register(edition, kind="{arguments[0]}")')]
        cells = []
        for kind in sorted(kinds, key=list(KIND_HEADINGS).index):
            cells += [
                Cell("markdown", f"## {KIND_HEADINGS[kind]}"),
                _code(f'reader.panels.entity_register(edition, kind="{kind}")'),
            ]
        return cells
    if name == "chronology":
        if not arguments:
            return [_code("reader.panels.chronology(edition)")]
        ids = [theme.theme_id for theme in edition.themes]
        if len(arguments) != 1 or arguments[0] not in ids:
            raise ValueError(f"'chronology' takes a theme id; expected one of {', '.join(ids) or '(none)'}")
        return [_code(f'reader.panels.chronology(edition, theme="{arguments[0]}")')]
    if name == "roles-in-year":
        if len(arguments) != 1 or not re.fullmatch(r"[0-9]{4}", arguments[0]):
            raise ValueError("'roles-in-year' takes a year of four digits")
        return [_code(f'edition.roles[edition.roles["start"].str[:4] == "{arguments[0]}"]')]
    if name == "mentions-of":
        known = {entity.entity_id for entity in edition.all_entities()}
        unknown = [item for item in arguments if not ID_PATTERN.fullmatch(item) or item not in known]
        if not arguments or unknown:
            raise ValueError(f"'mentions-of' takes ids of cards; {', '.join(unknown) or 'none'} given")
        listed = ", ".join(f"'{item}'" for item in arguments)
        return [_code(f'edition.mentions.query("entity_id in [{listed}]").groupby("paragraph")["entity_id"].unique()')]
    if name == "questions":
        teacher = arguments[-1:] == ["teacher"]
        chosen = arguments[:-1] if teacher else arguments
        numbers = _numbers(chosen, edition) if chosen else []
        listed = f", {numbers}" if numbers else ""
        return [_code(f"reader.panels.questions(edition{listed}" + (", teacher=True)" if teacher else ")"))]
    raise ValueError(
        f"unknown directive {name!r}; expected one of load, about, open, app, paragraph, paragraphs, "
        "claims-by-verdict, register, rosters, roster, top-mentions, roles-in-year, mentions-of, chronology, "
        "text-dates, chronology-widget, documents, document, document-paragraph, questions"
    )


def _document_number(edition: Edition, arguments: list[str]) -> int:
    count = len(edition.documents)
    if len(arguments) != 1 or not arguments[0].isdigit() or not 1 <= int(arguments[0]) <= count:
        raise ValueError(f"expected the number of a quoted document, from 1 to {count}" if count else "no document")
    return int(arguments[0])


def _notebook_json(cells: list[Cell]) -> str:
    """A notebook as nbformat writes it (v4.4, no cell ids, sorted keys), not yet executed."""
    notebook = {
        "cells": [
            {
                "cell_type": cell.kind,
                "metadata": {},
                "source": cell.source.splitlines(keepends=True),
                **({"execution_count": None, "outputs": []} if cell.kind == "code" else {}),
            }
            for cell in cells
        ],
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
