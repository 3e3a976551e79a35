"""Static views for notebooks: HTML for people, the same facts as plain text for nbval and screen readers.

A panel is what a notebook cell displays when it should regress on content: nbval compares both its
``text/html`` and its ``text/plain``, so changing a fact in ``data/`` without re-executing fails the tests.
"""

from dataclasses import dataclass

from reader import render
from reader.escaping import escape
from reader.model import Edition


@dataclass(frozen=True)
class Panel:
    html: str
    text: str

    def _repr_html_(self) -> str:
        return f'<div class="reader-panel {render.NO_MATH}">{self.html}</div>'

    def __repr__(self) -> str:
        return self.text


def about(edition: Edition) -> Panel:
    """The text's title, provenance and what is verified about it; the size of the apparatus."""
    metadata = edition.metadata
    facts = [
        (label, metadata.get(key))
        for label, key in (
            ("Author", "author"),
            ("Published", "published"),
            ("Address", "url"),
            ("Platform", "platform"),
        )
    ]
    rows = "".join(
        f'<tr><th scope="row">{label}</th><td>{escape(value or "not recorded")}</td></tr>' for label, value in facts
    )
    checks = metadata.get("verification") or []
    check_rows = "".join(
        f"<li><b>{escape(item.get('part'))}</b>: {escape(item.get('status'))} — {escape(item.get('how'))}</li>"
        for item in checks
    )
    counts = edition.counts()
    count_text = ", ".join(f"{count} {name}" for name, count in counts.items())
    html = (
        f'<h3>{escape(edition.title)}</h3><table class="reader-compare">{rows}</table>'
        f"<p>{escape(metadata.get('provenance'))}</p>"
        + (f"<ul>{check_rows}</ul>" if check_rows else "")
        + f"<p><b>This edition holds:</b> {escape(count_text)}.</p>"
    )
    text = "\n".join(
        [edition.title]
        + [f"{label}: {value or 'not recorded'}" for label, value in facts]
        + [str(metadata.get("provenance"))]
        + [f"{item.get('part')}: {item.get('status')}" for item in checks]
        + [f"This edition holds: {count_text}."]
    )
    return Panel(html, text)


def paragraph(edition: Edition, number: int) -> Panel:
    """One paragraph as written, with [sic] readings, its cards, notes, claims and events: for guided reading."""
    item = edition.paragraph(number)
    entities = [edition.entity(entity_id) for entity_id in item.entity_ids]
    events = [edition.event(event_id) for event_id in item.event_ids]
    names = "".join(
        f"<li><b>{escape(entity.name)}</b> ({escape(entity.kind)}) — {escape(entity.summary)}</li>"
        for entity in entities
    )
    claims = "".join(render.claim_html(claim, index, edition) for index, claim in enumerate(item.claims, start=1))
    html = (
        f"<h4>{item.label} of {edition.paragraph_count}</h4>"
        + render.paragraph_html(item, edition, with_readings=False, with_claims=False)
        + "<details><summary>With [sic] readings</summary>"
        + render.paragraph_html(item, edition, with_readings=True, with_claims=False)
        + "</details>"
        + (f"<h5>Named here</h5><ul>{names}</ul>" if names else "")
        + "<h5>Editorial notes</h5>"
        + render.notes_html(item, edition)
        + ("<h5>Claims</h5>" + claims if claims else "")
        + ("<h5>Events</h5>" + render.events_table_html(events, set(), edition.text_kind) if events else "")
    )
    text = "\n".join(
        [render.paragraph_text(item, edition)]
        + [f"Event: {render.event_text(event, edition.text_kind)}" for event in events]
    )
    return Panel(html, text)


def entity_register(edition: Edition, kind: str | None = None) -> Panel:
    """All cards (or those of one kind), in the order of the data."""
    entities = [entity for entity in edition.all_entities() if kind is None or entity.kind == kind]
    html = "".join(render.entity_card_html(entity, edition) + "<hr>" for entity in entities)
    return Panel(html, "\n\n".join(render.entity_text(entity) for entity in entities))


def roster(edition: Edition, roster_id: str | None = None) -> Panel:
    """A roster the edition declares (the first by default): its caption, one row per card, its columns."""
    rosters = edition.rosters()
    if not rosters:
        return Panel(render.empty_html("This edition declares no roster."), "This edition declares no roster.")
    chosen = edition.roster(roster_id) if roster_id else rosters[0]
    return Panel(render.roster_html(chosen, edition), render.roster_text(chosen, edition))


def chronology(
    edition: Edition, theme: str | None = None, first_year: int | None = None, last_year: int | None = None
) -> Panel:
    """The timeline picture and the table of events, optionally one theme (id or label) and a span of years."""
    if not edition.all_events():
        return Panel(render.no_events_html(), "No events: this edition's chronology is empty.")
    label = edition.theme(theme).label if theme else None
    events = [
        event
        for event in edition.all_events()
        if (label is None or event.theme == label)
        and (first_year is None or int(event.start[:4]) >= first_year)
        and (last_year is None or int(event.start[:4]) <= last_year)
    ]
    span = edition.year_span or (0, 0)
    years = [int(event.start[:4]) for event in events] or list(span)
    html = render.timeline_svg(
        events, set(), first_year or min(years), last_year or max(years), edition.themes
    ) + render.events_table_html(events, set(), edition.text_kind)
    return Panel(html, "\n".join(render.event_text(event, edition.text_kind) for event in events))


def excerpt(edition: Edition, number: int = 1) -> Panel:
    """A quoted document (the first by default): quotation, citation, what is verified, context."""
    if not 1 <= number <= len(edition.documents):
        message = "This edition quotes no document." if not edition.documents else f"No quoted document {number}."
        return Panel(render.empty_html(message), message)
    document = edition.documents[number - 1]
    return Panel(render.excerpt_html(document, edition), render.excerpt_text(document))


def claims_by_verdict(edition: Edition) -> Panel:
    """How the text's checkable statements fare against the record, paragraph by paragraph, with totals."""
    verdicts = sorted({claim.verdict for paragraph in edition.all_paragraphs() for claim in paragraph.claims})
    header = ["paragraph", *verdicts, "total"]
    rows: list[list] = []
    for paragraph in edition.all_paragraphs():
        if paragraph.claims:
            counts = [sum(claim.verdict == verdict for claim in paragraph.claims) for verdict in verdicts]
            rows.append([paragraph.label, *counts, len(paragraph.claims)])
    rows.append(["all", *(sum(row[column] for row in rows) for column in range(1, len(header)))])
    html = (
        '<table class="reader-events"><caption>Checkable claims by verdict</caption><thead><tr>'
        + "".join(f'<th scope="col">{escape(name)}</th>' for name in header)
        + "</tr></thead><tbody>"
        + "".join(
            f'<tr><th scope="row">{escape(row[0])}</th>' + "".join(f"<td>{count}</td>" for count in row[1:]) + "</tr>"
            for row in rows
        )
        + "</tbody></table>"
    )
    widths = [max(len(str(row[column])) for row in [header, *rows]) for column in range(len(header))]
    text = "\n".join(
        "  ".join(
            str(cell).ljust(width) if column == 0 else str(cell).rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    )
    return Panel(html, text)


def questions(edition: Edition, paragraphs=None, *, teacher: bool = False) -> Panel:
    """The discussion questions of some paragraphs (all by default), with expected points for a teacher."""
    numbers = paragraphs or [paragraph.number for paragraph in edition.all_paragraphs()]
    html, text = [], []
    for number in numbers:
        paragraph = edition.paragraph(number)
        html.append(f"<h4>{paragraph.label}</h4>" + render.questions_html(paragraph.questions, teacher=teacher))
        text.append(f"{paragraph.label}")
        for question in paragraph.questions:
            text.append(f"- {question.question}" + (f"\n  Expected: {question.expected_points}" if teacher else ""))
    return Panel("".join(html), "\n".join(text))
