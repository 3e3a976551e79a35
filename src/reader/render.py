"""HTML fragments and plain-text summaries of the model, for the widgets.

Every string from the edition goes through :func:`reader.escaping.escape` here, and only here.
"""

import base64
from dataclasses import dataclass

from reader.escaping import escape, field, safe_url
from reader.model import Claim, Edition, Entity, Event, Excerpt, Paragraph, Roster, Theme

KIND_MARKS = {"person": "P", "body": "B", "office": "O", "place": "Pl", "concept": "C", "event": "E"}
# MathJax (JupyterLab, Voilà) skips elements with these classes: text from data is never typeset as math.
NO_MATH = "tex2jax_ignore mathjax_ignore"
VERDICT_MARKS = {
    "supported": "✓",
    "partly supported": "±",
    "contradicted": "✗",
    "not verifiable": "?",
    "opinion": "…",
}


def css_class(value: str) -> str:
    """A class-name form of a controlled value ('partly supported' -> 'partly-supported')."""
    return "".join(character if character.isalnum() else "-" for character in value.lower())


# --- the paragraph -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A stretch of a paragraph that carries markup: a mention, a [sic] anchor, a note's anchor, or a claim."""

    start: int
    end: int
    layer: str  # "mention", "sic", "note" or "claim"
    open_tag: str
    close_tag: str
    marker: str = ""  # what is placed after the span: kind letter, or the note's or claim's marker
    reading: str = ""  # for [sic]: the reading shown in the normalised text
    marker_id: str = ""  # "note-3", "claim-2": what choosing the marker shows in the side panel


LAYERS = ("names", "readings", "notes", "claims")
ALL_LAYERS = frozenset(LAYERS)


def marker_html(marker_id: str, label: str, accessible_name: str, *, interactive: bool, chosen: bool) -> str:
    """A note's or claim's marker: in the app a small superscript button (the reader's front-end helper reports
    its ``data-marker``, never runs anything from it); in static pages (handout, notebook panels) plain text."""
    if not interactive:
        return f'<sup class="reader-note-mark">[{escape(accessible_name)}]</sup>'
    pressed = "true" if chosen else "false"
    return (
        f'<sup class="reader-marker-wrap"><button type="button" class="reader-marker'
        f'{" reader-marker-chosen" if chosen else ""}" data-marker="{escape(marker_id)}" aria-pressed="{pressed}">'
        f'{escape(label)}<span class="reader-sr-only"> ({escape(accessible_name)})</span></button></sup>'
    )


def paragraph_spans(
    paragraph: Paragraph,
    edition: Edition,
    hidden_verdicts=frozenset(),
    *,
    interactive: bool = False,
    chosen: str = "",
) -> list[Span]:
    spans = []
    for mention in paragraph.mentions:
        entity = edition.entity(mention.entity_id)
        spans.append(
            Span(
                mention.start,
                mention.end,
                "mention",
                f'<span class="reader-mention reader-kind-{entity.kind}" data-entity="{escape(entity.entity_id)}">',
                "</span>",
                f'<sup class="reader-kind-mark" aria-hidden="true">{KIND_MARKS[entity.kind]}</sup>'
                f'<span class="reader-sr-only"> ({escape(entity.kind)}: <bdi>{escape(entity.name)}</bdi>)</span>',
            )
        )
    for number, note in enumerate(paragraph.notes, start=1):
        start = paragraph.text.find(note.anchor)
        marker_id = f"note-{number}"
        highlighted = " reader-chosen" if chosen == marker_id else ""
        sic = note.kind == "sic"
        spans.append(
            Span(
                start,
                start + len(note.anchor),
                "sic" if sic else "note",
                f'<span class="{"reader-sic" if sic else "reader-noted"}{highlighted}">',
                "</span>",
                marker_html(
                    marker_id,
                    "sic" if sic else str(number),
                    f"sic; note {number}" if sic else f"note {number}",
                    interactive=interactive,
                    chosen=chosen == marker_id,
                ),
                note.reading or "",
                marker_id,
            )
        )
    for number, claim in enumerate(paragraph.claims, start=1):
        start = paragraph.text.find(claim.quote)
        hidden = claim.claim_id in hidden_verdicts
        verdict = "hidden" if hidden else css_class(claim.verdict)
        label = "judge it first" if hidden else claim.verdict
        marker_id = f"claim-{number}"
        highlighted = " reader-chosen" if chosen == marker_id else ""
        sign = "?" if hidden else VERDICT_MARKS[claim.verdict]
        spans.append(
            Span(
                start,
                start + len(claim.quote),
                "claim",
                f'<span class="reader-claim reader-verdict-{verdict}{highlighted}">',
                "</span>",
                marker_html(
                    marker_id,
                    f"C{number}{sign}",
                    f"claim {number}: {label}",
                    interactive=interactive,
                    chosen=chosen == marker_id,
                ),
                marker_id=marker_id,
            )
        )
    return spans


def marker_ids(paragraph: Paragraph) -> tuple[str, ...]:
    """The markers a paragraph can show: one per editorial note and one per claim."""
    return tuple(f"note-{number}" for number in range(1, len(paragraph.notes) + 1)) + tuple(
        f"claim-{number}" for number in range(1, len(paragraph.claims) + 1)
    )


def _shown(span: Span, layers: frozenset[str]) -> bool:
    if span.layer == "mention":
        return "names" in layers
    if span.layer == "sic":
        return bool({"notes", "readings"} & layers)
    if span.layer == "note":
        return "notes" in layers
    return "claims" in layers


def paragraph_html(
    paragraph: Paragraph,
    edition: Edition,
    *,
    with_readings: bool,
    with_claims: bool,
    hidden_verdicts=frozenset(),
    with_names: bool = True,
    with_notes: bool = True,
    interactive: bool = False,
    chosen: str = "",
) -> str:
    """The paragraph with its layers: names marked, [sic] readings, note markers, claims (each can be switched).

    Spans may overlap (a claim contains mentions, a [sic] is a mention): the text is cut at every span boundary and
    each piece is wrapped in the spans that cover it, so the markup is always well nested. The paragraph is one
    bidi-isolated block (``dir="auto"``) that MathJax leaves alone: a "$" in the text stays a dollar sign.
    """
    layers = frozenset(
        layer for layer, on in zip(LAYERS, (with_names, with_readings, with_notes, with_claims), strict=True) if on
    )
    spans = [
        span
        for span in paragraph_spans(paragraph, edition, hidden_verdicts, interactive=interactive, chosen=chosen)
        if _shown(span, layers)
    ]
    text = paragraph.text
    boundaries = sorted({0, len(text), *(span.start for span in spans), *(span.end for span in spans)})
    sic_spans = [span for span in spans if span.layer == "sic"] if with_readings else []
    pieces = []
    for piece_start, piece_end in zip(boundaries, boundaries[1:], strict=False):
        covering = [span for span in spans if span.start <= piece_start and piece_end <= span.end]
        sic = next((span for span in sic_spans if span in covering), None)
        if sic is None:
            content = escape(text[piece_start:piece_end])
        elif piece_start == sic.start:  # the whole [sic] span becomes its reading, the original kept beside it
            as_written = escape(text[sic.start : sic.end])
            content = f'<ins class="reader-reading">{escape(sic.reading)}</ins>' + (
                f'<span class="reader-sr-only"> (as written: {as_written})</span>'
                if interactive
                else f'<span class="reader-as-written"> [as written: {as_written}]</span>'
            )
            piece_end = sic.end
            covering = [span for span in spans if span.start <= sic.start and sic.end <= span.end]
            # a span that ends inside the words replaced by the reading keeps its marker, after the reading
            inner_markers = "".join(span.marker for span in spans if sic.start < span.end < sic.end)
        else:
            continue
        ordered = sorted(covering, key=lambda span: (span.start, -span.end))
        opened = "".join(span.open_tag for span in ordered)
        closed = "".join(span.close_tag + (span.marker if span.end == piece_end else "") for span in reversed(ordered))
        pieces.append(opened + content + closed + (inner_markers if sic is not None else ""))
    return f'<p class="reader-text {NO_MATH}" lang="{escape(edition.language)}" dir="auto">{"".join(pieces)}</p>'


def sources_html(source_ids, edition: Edition, label: str = "Sources") -> str:
    """The sources of a statement, inline: a student can follow each link."""
    if not source_ids:
        return ""
    items = []
    for source_id in source_ids:
        source = edition.source(source_id)
        url = safe_url(source.url)
        citation = field(source.citation)
        items.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{citation}</a>' if url else citation)
    return f'<span class="reader-sources"><span class="reader-label">{field(label)}:</span> {"; ".join(items)}.</span>'


def notes_html(paragraph: Paragraph, edition: Edition, chosen: str = "") -> str:
    """The paragraph's editorial notes; the one whose marker was chosen (``note-N``) highlighted."""
    if not paragraph.notes:
        return f'<p class="reader-empty {NO_MATH}">No editorial notes on this paragraph.</p>'
    items = []
    for number, note in enumerate(paragraph.notes, start=1):
        reading = f" → <ins><bdi>{escape(note.reading)}</bdi></ins>" if note.reading else ""
        highlighted = " reader-chosen" if chosen == f"note-{number}" else ""
        kind = "[sic]" if note.kind == "sic" else escape(note.kind)
        items.append(
            f'<li class="reader-note reader-note-{escape(note.kind)}{highlighted}">'
            f'<span class="reader-tag">note {number} · {kind}</span> “<bdi>{escape(note.anchor)}</bdi>”{reading}. '
            f"<bdi>{escape(note.note)}</bdi>{sources_html(note.source_ids, edition)}</li>"
        )
    return f'<ol class="reader-notes {NO_MATH}">{"".join(items)}</ol>'


def claim_html(claim: Claim, number: int, edition: Edition, *, show_verdict: bool = True) -> str:
    verdict = (
        (
            f'<span class="reader-verdict reader-verdict-{css_class(claim.verdict)}">'
            f"{VERDICT_MARKS[claim.verdict]} {field(claim.verdict)}</span>"
        )
        if show_verdict
        else '<span class="reader-verdict reader-verdict-hidden">verdict hidden</span>'
    )
    record = (
        (
            f'<p><span class="reader-label">What the record says:</span> {field(claim.record)}</p>'
            f"{sources_html(claim.sources_for, edition, 'Sources for')}"
            f"{sources_html(claim.sources_against, edition, 'Sources against')}"
        )
        if show_verdict
        else ""
    )
    return (
        f'<div class="reader-claim-card {NO_MATH}"><p><span class="reader-tag">claim {number} · '
        f"{field(claim.claim_type)}</span> {verdict}</p>"
        f'<blockquote class="reader-quote">“{field(claim.quote)}”</blockquote>{record}</div>'
    )


def _dates(start: str | None, end: str | None) -> str:
    if start and end:
        return f"{field(start)} – {field(end)}"
    return escape(start or end or "dates not recorded")


def entity_card_html(entity: Entity, edition: Edition) -> str:
    language = f' lang="{escape(edition.original_language)}"' if edition.original_language else ""
    original = (
        f' <span{language} class="reader-original-name">({field(entity.original_name)})</span>'
        if entity.original_name
        else ""
    )
    kind = escape(edition.text_kind)
    spellings = ", ".join(f"“{field(alias)}”" for alias in entity.aliases) or f"not named in the {kind}"
    period = f" {field(edition.roles_period)}" if edition.roles_period else ""
    roles = "".join(f"<li>{field(role.role)} ({_dates(role.start, role.end)})</li>" for role in entity.roles)
    wikidata = f'<p><span class="reader-label">Wikidata:</span> {field(entity.wikidata)}</p>' if entity.wikidata else ""
    paragraphs = ", ".join(f"¶{number}" for number in entity.paragraphs) or "none"
    elsewhere = (
        '<p class="reader-elsewhere"><span class="reader-label">Also in:</span> '
        + "; ".join(
            f"<cite>{field(place.title)}</cite> " + ", ".join(f"¶{number}" for number in place.paragraphs)
            for place in entity.elsewhere
        )
        + "</p>"
        if entity.elsewhere
        else ""
    )
    return (
        f'<div class="reader-card reader-kind-{entity.kind} {NO_MATH}"><h3>{field(entity.name)}{original}</h3>'
        f'<p class="reader-tag">{field(entity.kind)} · {_dates(entity.start, entity.end)}</p>'
        f"<p>{field(entity.summary)}</p>"
        f'<p><span class="reader-label">In the {kind} as:</span> {spellings}</p>'
        f'<p><span class="reader-label">Mentioned in:</span> {paragraphs}</p>'
        + elsewhere
        + (f'<div><span class="reader-label">Roles{period}:</span><ul>{roles}</ul></div>' if roles else "")
        + wikidata
        + sources_html(entity.source_ids, edition)
        + "</div>"
    )


def event_row_html(event: Event, *, highlighted: bool) -> str:
    essay = ""
    if event.essay_date or event.essay_wording:
        said = escape(event.essay_date or "")
        wording = f" “{field(event.essay_wording)}”" if event.essay_wording else ""
        essay = f'<span class="reader-text-says">{said}{wording}</span>'
    paragraphs = ", ".join(f"¶{number}" for number in event.paragraphs)
    row_class = ' class="reader-current"' if highlighted else ""
    current = '<span class="reader-sr-only"> (in this paragraph)</span>★ ' if highlighted else ""
    return (
        f"<tr{row_class}><td>{field(event.date_label)}</td><td>{current}{field(event.title)}</td>"
        f"<td>{field(event.theme)}</td><td>{essay}</td><td>{paragraphs}</td></tr>"
    )


def events_table_html(events, highlighted_ids, text_kind: str = "text") -> str:
    if not events:
        return '<p class="reader-empty">No events match these filters.</p>'
    rows = "".join(event_row_html(event, highlighted=event.event_id in highlighted_ids) for event in events)
    return (
        f'<table class="reader-events {NO_MATH}"><caption>Events (★ = bears on the current paragraph)</caption>'
        '<thead><tr><th scope="col">Date in the record</th><th scope="col">Event</th><th scope="col">Theme</th>'
        f'<th scope="col">What the {field(text_kind)} says</th><th scope="col">Paragraphs</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def event_detail_html(event: Event, edition: Edition) -> str:
    essay = ""
    if event.essay_date or event.essay_wording:
        essay = (
            '<table class="reader-compare"><tr><th scope="row">The record</th>'
            f"<td>{field(event.date_label)} ({field(event.precision)})</td></tr>"
            f'<tr><th scope="row">The {field(edition.text_kind)}</th>'
            f"<td>{field(event.essay_date or 'no date given')}"
            + (f" — “{field(event.essay_wording)}”" if event.essay_wording else "")
            + "</td></tr></table>"
        )
    return (
        f'<div class="reader-card {NO_MATH}"><h3>{field(event.title)}</h3>'
        f'<p class="reader-tag">{field(event.date_label)} · {field(event.theme)}</p>'
        f"<p>{field(event.summary)}</p>{essay}{sources_html(event.source_ids, edition)}</div>"
    )


def no_events_html() -> str:
    """What the chronology shows for an edition without events."""
    return empty_html("No events: this edition's chronology is empty.")


def _year_fraction(date: str) -> float:
    parts = [int(part) for part in date.split("-")]
    year, month, day = parts[0], parts[1] if len(parts) > 1 else 7, parts[2] if len(parts) > 2 else 15
    return year + (month - 1) / 12 + (day - 1) / 365


def _shape(kind: str, x: float, y: float, size: float) -> str:
    if kind == "square":
        return f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" height="{2 * size:.1f}"/>'
    if kind == "triangle":
        return f'<polygon points="{x:.1f},{y - size:.1f} {x - size:.1f},{y + size:.1f} {x + size:.1f},{y + size:.1f}"/>'
    if kind == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - size:.1f} {x + size:.1f},{y:.1f} {x:.1f},{y + size:.1f} '
            f'{x - size:.1f},{y:.1f}"/>'
        )
    if kind == "cross":
        return (
            f'<path d="M{x - size:.1f},{y - size:.1f} L{x + size:.1f},{y + size:.1f} M{x + size:.1f},'
            f'{y - size:.1f} L{x - size:.1f},{y + size:.1f}" stroke-width="2.5"/>'
        )
    if kind == "star":
        return (
            f'<polygon points="{x:.1f},{y - size:.1f} {x + size * 0.3:.1f},{y - size * 0.3:.1f} {x + size:.1f},'
            f"{y:.1f} {x + size * 0.3:.1f},{y + size * 0.3:.1f} {x:.1f},{y + size:.1f} {x - size * 0.3:.1f},"
            f'{y + size * 0.3:.1f} {x - size:.1f},{y:.1f} {x - size * 0.3:.1f},{y - size * 0.3:.1f}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}"/>'


MARK_GAP = 20  # px: marks closer than this in one lane are stacked, never drawn over each other (rings included)
EMPTY_YEAR_WEIGHT = 0.25  # a year without events takes a quarter of a year's width: no long empty stretches
STACK_STEP = 20  # px between stacked marks: a ring (r = 9) never touches the next mark


def _year_weights(events, first_year: int, last_year: int) -> dict[int, float]:
    busy: set[int] = set()
    for event in events:
        start, end = int(event.start[:4]), int((event.end or event.start)[:4])
        busy.update(range(max(start, first_year), min(end, last_year) + 1))
    return {year: 1.0 if year in busy else EMPTY_YEAR_WEIGHT for year in range(first_year, last_year + 1)}


def timeline_svg(events, highlighted_ids, first_year: int, last_year: int, themes: tuple[Theme, ...] = ()) -> str:
    """A self-contained SVG timeline: one lane per theme, a mark per event, this paragraph's events ringed and starred.

    The years run from the first to the last year of the events shown (within ``first_year``–``last_year``); a year
    without events is drawn narrow. Marks that would touch in a lane are stacked. Labels are filled, never stroked.
    Inline SVG needs no script or network, so it shows the same in JupyterLab, Voilà and a static export.
    ``themes``: the edition's (their order, colour and mark); by default those of the events, in order of use.
    """
    if not themes:
        labels = list(dict.fromkeys(event.theme for event in events))
        themes = tuple(Theme(label, label, "#333333", "circle") for label in labels)
    if events:
        first_year = max(first_year, min(int(event.start[:4]) for event in events))
        last_year = min(last_year, max(int((event.end or event.start)[:4]) for event in events))
        last_year = max(last_year, first_year)
    weights = _year_weights(events, first_year, last_year)
    width, left, right, top = 900, 200, 20, 30
    plot_width = width - left - right
    total = sum(weights.values()) or 1.0
    year_x, x = {}, float(left)
    for year in range(first_year, last_year + 1):
        year_x[year] = x
        x += weights[year] / total * plot_width
    year_x[last_year + 1] = float(width - right)

    def x_of(date: str) -> float:
        fraction = min(max(_year_fraction(date), first_year), last_year + 1 - 1e-9)
        year = int(fraction)
        return year_x[year] + (fraction - year) * (year_x[year + 1] - year_x[year])

    lanes = []  # (theme, [(event, x, level)], levels)
    for theme in themes:
        placed: list[tuple] = []
        level_ends: list[float] = []
        for event in sorted((event for event in events if event.theme == theme.label), key=lambda e: e.start):
            start_x = x_of(event.start)
            end_x = x_of(event.end) if event.end else start_x
            level = next((index for index, last in enumerate(level_ends) if last + MARK_GAP <= start_x), None)
            if level is None:
                level = len(level_ends)
                level_ends.append(end_x)
            level_ends[level] = max(end_x, start_x)
            placed.append((event, start_x, end_x, level))
        lanes.append((theme, placed, max(1, len(level_ends))))
    lane_heights = [max(34, 14 + STACK_STEP * levels) for _, _, levels in lanes]
    plot_bottom = top + sum(lane_heights)
    height = plot_bottom + 56
    parts = [
        f'<svg class="reader-timeline {NO_MATH}" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>Timeline of {len(events)} events, {first_year}–{last_year}'
        "</title><desc>One row per theme; marks with a ring and a star bear on the current paragraph; a year "
        "without events is drawn narrow. The table below lists the same events.</desc>"
    ]
    for year in range(first_year, last_year + 2):
        x = year_x[year]
        parts.append(f'<line class="reader-gridline" x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{plot_bottom}"/>')
        if year <= last_year and (weights[year] == 1.0 or year in (first_year, last_year)):
            parts.append(f'<text class="reader-axis" x="{x + 2:.1f}" y="{plot_bottom + 16}">{year}</text>')
    lane_top = top
    for (theme, placed, levels), lane_height in zip(lanes, lane_heights, strict=True):
        middle = lane_top + lane_height / 2
        colour = escape(theme.colour)  # checked as #rrggbb by the loader; escaped all the same
        parts.append(
            f'<text class="reader-axis reader-lane-label" x="8" y="{middle + 4:.1f}">{escape(theme.label)}</text>'
            f'<g class="reader-lane reader-theme-{css_class(theme.theme_id)}" style="fill:{colour};stroke:{colour}">'
        )
        parts.append(_shape(theme.shape, left - 14, middle, 5))
        for event, start_x, end_x, level in placed:
            y = lane_top + 16 + STACK_STEP * level if levels > 1 else middle
            if event.end:
                parts.append(
                    f'<line class="reader-range" x1="{start_x:.1f}" y1="{y:.1f}" x2="{end_x:.1f}" y2="{y:.1f}"/>'
                )
            current = event.event_id in highlighted_ids
            ring = f'<circle class="reader-ring" cx="{start_x:.1f}" cy="{y:.1f}" r="9"/>' if current else ""
            star = (
                f'<text class="reader-star" x="{start_x + 8:.1f}" y="{y - 5:.1f}" aria-hidden="true">★</text>'
                if current
                else ""
            )
            here = " (in this paragraph)" if current else ""
            mark = _shape(theme.shape, start_x, y, 5)
            parts.append(
                f'<g class="reader-mark"><title>{escape(event.date_label)}: {escape(event.title)}{here}</title>'
                f"{ring}{mark}{star}</g>"
            )
        parts.append("</g>")
        lane_top += lane_height
    legend_y = plot_bottom + 40
    parts.append(
        '<g class="reader-timeline-legend">'
        f'<circle class="reader-ring-sample" cx="{left + 6}" cy="{legend_y - 4}" r="9"/>'
        f'<text class="reader-star" x="{left + 14}" y="{legend_y - 9}">★</text>'
        f'<text class="reader-axis" x="{left + 30}" y="{legend_y}">ringed with a star: in the current paragraph</text>'
        f'<line class="reader-range" x1="{left + 390}" y1="{legend_y - 4}" x2="{left + 430}" y2="{legend_y - 4}"/>'
        f'<text class="reader-axis" x="{left + 438}" y="{legend_y}">a bar: an event that lasted</text>'
        f'<text class="reader-axis" x="8" y="{legend_y}">Rows: theme and mark</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)


def excerpt_html(excerpt: Excerpt, edition: Edition) -> str:
    document = excerpt.document
    identifiers = "".join(
        f"<li>{field(item.get('scheme'))}: {field(item.get('value'))}</li>"
        for item in document.get("identifiers") or []
    )
    url = safe_url(document.get("url"))
    link = (
        (
            f'<p><span class="reader-label">Address given by the {field(edition.text_kind)}:</span> '
            f'<a href="{url}" target="_blank" '
            f'rel="noopener noreferrer">{url}</a></p>'
        )
        if url
        else ""
    )
    checks = "".join(
        f'<tr><th scope="row">{field(item.get("part"))}</th>'
        f'<td class="reader-status-{css_class(str(item.get("status")))}">'
        f"{'✓' if item.get('status') == 'verified' else '✗' if item.get('status') == 'contradicted' else '?'} "
        f"{field(item.get('status'))}</td><td>{field(item.get('how'))}</td></tr>"
        for item in excerpt.verification
    )
    related = "".join(
        "<li>"
        + (
            f'<a href="{safe_url(item.get("url"))}" target="_blank" rel="noopener noreferrer">'
            f"{field(item.get('citation'))}</a>"
            if safe_url(item.get("url"))
            else escape(item.get("citation"))
        )
        + (f" — {field(item.get('note'))}" if item.get("note") else "")
        + "</li>"
        for item in excerpt.related_documents
    )
    fields = "".join(
        f'<tr><th scope="row">{label}</th><td>{field(document.get(key) or "not recorded")}</td></tr>'
        for label, key in (("Title", "title"), ("Issuing office", "issuing_office"), ("Date", "date"))
    )
    return (
        f'<div class="reader-excerpt {NO_MATH}">'
        f'<blockquote class="reader-quote">“{field(excerpt.quotation)}”</blockquote>'
        f"<p>Quoted in ¶{excerpt.paragraph} and cited there as <q>{field(excerpt.essay_citation)}</q>.</p>"
        f'<p><span class="reader-label">Used to support:</span> {field(excerpt.claim_supported)}</p>'
        f'<h4>The document</h4><table class="reader-compare">{fields}</table>'
        + (f'<p><span class="reader-label">Identifiers:</span></p><ul>{identifiers}</ul>' if identifiers else "")
        + link
        + '<h4>What is verified</h4><table class="reader-verification"><thead><tr><th scope="col">Part</th>'
        f'<th scope="col">Status</th><th scope="col">How</th></tr></thead><tbody>{checks}</tbody></table>'
        + (f"<h4>Context: {field(excerpt.context_heading)}</h4>" if excerpt.context_heading else "<h4>Context</h4>")
        + "".join(
            f"<p>{field(item.get('text'))}</p>{sources_html(item.get('source_ids'), edition)}"
            for item in excerpt.context
        )
        + (f"<h4>Related documents</h4><ul>{related}</ul>" if related else "")
        + "</div>"
    )


def questions_html(questions, *, teacher: bool = False) -> str:
    """A paragraph's discussion questions as a numbered list; for a teacher, the points they should hear.

    The one rendering of questions: the app's Questions tab, the notebooks' panels and the handout all use it.
    """
    items = "".join(
        f"<li>{field(question.question)}"
        + (
            f'<p class="reader-expected"><b>Expected points:</b> {field(question.expected_points)}</p>'
            if teacher
            else ""
        )
        + "</li>"
        for question in questions
    )
    return f'<ol class="{NO_MATH}">{items}</ol>'


# --- pieces of the app's views (the widgets only compose these) ---------------------------------------------


def stylesheet_html(css: str) -> str:
    """The reader's own stylesheet (a file of the package, not data) as a <style> element."""
    return f"<style>{css}</style>"


def title_html(edition: Edition) -> str:
    return f'<h2 class="reader-title {NO_MATH}">{field(edition.title)}</h2>'


def heading_html(text: str, level: int = 4) -> str:
    return f"<h{level}>{escape(text)}</h{level}>"


def layer_bar_label_html() -> str:
    return '<span class="reader-label">Show:</span>'


def warning_html(message: str) -> str:
    """A one-line warning the student must see (a save that failed)."""
    return f'<p class="reader-warning" role="alert">{escape(message)}</p>'


def empty_html(message: str) -> str:
    """What a view shows when there is nothing to show (no claims, no card, no document)."""
    return f'<p class="reader-empty">{escape(message)}</p>'


def legend_html(edition: Edition, *, names: bool = True, claims: bool = True) -> str:
    """The marks of the kinds of names this edition has, and of the claims' verdicts (those of the layers shown)."""
    kinds = sorted({entity.kind for entity in edition.all_entities()}, key=list(KIND_MARKS).index)
    items = "".join(
        f'<span class="reader-mention reader-kind-{kind}">{escape(kind)}'
        f'<sup class="reader-kind-mark">{KIND_MARKS[kind]}</sup></span> '
        for kind in kinds
    )
    verdicts = "".join(
        f'<span class="reader-claim reader-verdict-{css_class(verdict)}">'
        f"{VERDICT_MARKS[verdict]} {escape(verdict)}</span> "
        for verdict in VERDICT_MARKS
    )
    lines = ([f'<span class="reader-label">Names:</span> {items}'] if names else []) + (
        [f'<span class="reader-label">Claims:</span> {verdicts}'] if claims else []
    )
    return f'<div class="reader-legend">{"<br>".join(lines)}</div>' if lines else ""


def paragraph_page_html(
    paragraph: Paragraph,
    edition: Edition,
    *,
    with_readings: bool,
    with_claims: bool,
    hidden_verdicts=frozenset(),
    with_names: bool = True,
    with_notes: bool = True,
    chosen: str = "",
) -> str:
    """The reading room's centre: the paragraph's position, its text with the layers asked for (markers are
    buttons), and the legend of those layers (one widget, so one message a change)."""
    return (
        f'<p class="reader-position-line"><span class="reader-position" aria-live="polite">'
        f"{paragraph.label} of {edition.paragraph_count}</span></p>"
        + paragraph_html(
            paragraph,
            edition,
            with_readings=with_readings,
            with_claims=with_claims,
            hidden_verdicts=hidden_verdicts,
            with_names=with_names,
            with_notes=with_notes,
            interactive=True,
            chosen=chosen,
        )
        + legend_html(edition, names=with_names, claims=with_claims)
    )


def static_reader_html(paragraph: Paragraph, edition: Edition, css: str) -> str:
    """The reading room as plain HTML, in the same look: what a notebook shows of the reader before its kernel runs
    (after a page reload, or opened from disk). Nothing in it needs a kernel or a script."""
    return (
        stylesheet_html(css)
        + f'<div class="reader-still {NO_MATH}">'
        + title_html(edition)
        + '<p class="reader-empty">A still picture of the reader: run the notebook to turn the pages.</p>'
        + '<div class="reader-room"><div class="reader-text-column"><div class="reader-paragraph">'
        + paragraph_page_html(
            paragraph, edition, with_readings=False, with_claims=False, with_names=False, with_notes=False
        )
        + '</div></div><div class="reader-side">'
        + heading_html("Editorial notes", level=3)
        + notes_html(paragraph, edition)
        + "</div></div></div>"
    )


def judge_first_html() -> str:
    return (
        "<p><b>Judge first:</b> is this claim supported, doubtful, wrong, or an opinion? Record your judgement "
        "and why; then the edition's verdict and the record appear.</p>"
    )


def own_judgement_html(own: dict | None, *, not_saved: str | None = None) -> str:
    """The student's own judgement of a claim; ``not_saved`` is why it could not be saved, if it could not."""
    if not own:
        return ""
    reason = f" — {field(own.get('reason'))}" if own.get("reason") else ""
    warning = (
        f'<p class="reader-warning" role="alert">Your judgement was NOT saved: {field(not_saved)}. '
        "It is kept here and saved again when you record a judgement.</p>"
        if not_saved
        else ""
    )
    return (
        f'<p class="reader-own-judgement {NO_MATH}"><span class="reader-label">Your judgement:</span> '
        f"{field(own['judgement'])}{reason}</p>{warning}"
    )


def questions_view_html(paragraph: Paragraph, *, teacher: bool) -> str:
    if not paragraph.questions:
        return empty_html("No discussion questions for this paragraph.")
    return heading_html(f"Questions on {paragraph.label}") + questions_html(paragraph.questions, teacher=teacher)


def search_summary_html(query: str, count: int) -> str:
    if not query.strip():
        return ""
    return f'<p aria-live="polite">{count} place{"s" if count != 1 else ""} found</p>'


def notes_status_html(
    *,
    last_saved: str | None,
    warnings=(),
    not_saved: str | None = None,
    exported_to=None,
    export_failed: str | None = None,
    in_browser: bool = False,
    kept: bool = True,
    download: tuple[str, str] | None = None,
    download_notes_file: tuple[str, str] | None = None,
) -> str:
    """The notes panel's status line: warnings about the notes file, then whether the notes are saved.

    No server path is shown to students (the teacher guide says where notes live); an export names only its file.
    ``not_saved`` (why the last save failed) replaces the reassurance that notes are saved: the student must not
    believe a note is kept on disk when it is not. ``in_browser`` (a static site) says plainly that the notes live in
    this browser only, or (``kept`` False: the browser gave the page no storage) that they are lost with the page;
    there ``download`` (file name, Markdown) turns an export into a link that saves the file, and
    ``download_notes_file`` (file name, JSON) adds one for the notes file itself, which a class store imports.
    """
    lines = "".join(f'<p class="reader-warning" role="alert">{escape(message)}</p>' for message in warnings)
    if in_browser and kept:  # said whatever else the line says: the student must know where the notes are
        lines += (
            '<p class="reader-browser-notice" role="note"><strong>Your notes live in this browser only</strong>, on '
            "this computer: another computer or browser will not show them, and clearing this browser's data "
            "deletes them. Use “Export my notes” to keep a copy or hand them in.</p>"
        )
    elif in_browser:
        lines += (
            '<p class="reader-warning" role="alert"><strong>Your notes are NOT kept</strong>: this browser gives this '
            "page no storage (the site is not served over https), so they are lost when the page is closed or "
            "reloaded. Use “Export my notes” before you leave.</p>"
        )
    if not_saved:
        return lines + (
            f'<p class="reader-warning" role="alert">Your note was NOT saved: {escape(not_saved)}. '
            "Your text stays in the field; it is saved again as you type.</p>"
        )
    if export_failed:
        return (
            lines + f'<p class="reader-warning" role="alert">Your notes were NOT exported: {escape(export_failed)}.</p>'
        )
    if exported_to is not None and download is not None:  # in the browser: the file is offered for download
        notes_file = ""
        if download_notes_file is not None:  # what a class store imports (reader.classroom: import_notes_file)
            link = download_link_html(*download_notes_file, "the notes file", media_type="application/json")
            notes_file = f" (for a class store, give your teacher {link})"
        return lines + (
            '<span class="reader-saved" aria-live="polite">Your notes are ready: '
            f"{download_link_html(download[0], download[1], 'Download my notes (Markdown)')}{notes_file}</span>"
        )
    if exported_to is not None:
        name = getattr(exported_to, "name", str(exported_to))
        return lines + (
            f'<span class="reader-saved" aria-live="polite">Notes exported to <bdi>{escape(name)}</bdi>, '
            "beside your notes</span>"
        )
    when = f" — last saved {escape(last_saved)} UTC" if last_saved else ""
    if in_browser and not kept:
        return lines
    where = ", in this browser" if in_browser else ""
    return lines + (
        f'<span class="reader-saved" aria-live="polite">Notes saved{when}{where}. Notes are saved as you type.</span>'
    )


def download_link_html(file_name: str, text: str, label: str, media_type: str = "text/markdown") -> str:
    """A link that hands ``text`` to the student as a file (a data: URL: no server, works offline)."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (
        f'<a class="reader-download" download="{escape(file_name)}" '
        f'href="data:{escape(media_type)};charset=utf-8;base64,{encoded}">{escape(label)}</a>'
    )


# --- plain text, for text/plain reprs (nbval, terminals, screen readers) -------------------------------------


def paragraph_text(paragraph: Paragraph, edition: Edition) -> str:
    lines = [f"{paragraph.label} of {edition.paragraph_count}", paragraph.text]
    if paragraph.entity_ids:
        lines.append("Mentions: " + ", ".join(edition.entity(entity_id).name for entity_id in paragraph.entity_ids))
    for number, note in enumerate(paragraph.notes, start=1):
        reading = f" -> {note.reading}" if note.reading else ""
        lines.append(
            f"Note {number} [{'sic' if note.kind == 'sic' else note.kind}] “{note.anchor}”{reading}: {note.note}"
        )
    for number, claim in enumerate(paragraph.claims, start=1):
        lines.append(f"Claim {number} ({claim.verdict}): “{claim.quote}”")
    return "\n".join(lines)


def entity_text(entity: Entity) -> str:
    lines = [
        f"{entity.name}"
        + (f" ({entity.original_name})" if entity.original_name else "")
        + f" — {entity.kind}, "
        + _plain_dates(entity.start, entity.end),
        entity.summary,
    ]
    lines += [f"  {role.role} ({_plain_dates(role.start, role.end)})" for role in entity.roles]
    lines.append("Mentioned in: " + (", ".join(f"¶{number}" for number in entity.paragraphs) or "none"))
    if entity.elsewhere:
        lines.append("Also in: " + "; ".join(place_text(place.title, place.paragraphs) for place in entity.elsewhere))
    return "\n".join(lines)


def place_text(title: str, paragraphs) -> str:
    """Another edition of the course and its paragraphs, as a card names them: 'Title ¶2, ¶5'."""
    return f"{title} " + ", ".join(f"¶{number}" for number in paragraphs)


def _plain_dates(start: str | None, end: str | None) -> str:
    return f"{start} – {end}" if start and end else (start or end or "dates not recorded")


def event_text(event: Event, text_kind: str = "text") -> str:
    essay = f" [{text_kind}: {event.essay_date}]" if event.essay_date else ""
    return f"{event.date_label}  {event.title} ({event.theme}){essay}"


def excerpt_text(excerpt: Excerpt) -> str:
    lines = [
        f"“{excerpt.quotation}” {excerpt.essay_citation} — quoted in ¶{excerpt.paragraph}",
        f"Document: {excerpt.document.get('title')}",
    ]
    lines += [f"  {item.get('part')}: {item.get('status')}" for item in excerpt.verification]
    return "\n".join(lines)


def roster_html(roster: Roster, edition: Edition) -> str:
    """A roster the edition declares: one row per card, its declared columns (a value with its note), as a table."""
    headings = "".join(f'<th scope="col">{field(column.label)}</th>' for column in roster.shown_columns)

    def cell(row: dict, column) -> str:
        value = escape(row.get(column.name) or "")
        if column.note:
            return f"<td><b>{value}</b> — {field(row.get(column.note) or '')}</td>"
        return f"<td>{value}</td>"

    rows = "".join(
        f"<tr><td>{field(edition.entity(row['entity_id']).name)}</td>"
        + "".join(cell(row, column) for column in roster.shown_columns)
        + "</tr>"
        for row in roster.rows
    )
    return (
        f'<table class="reader-events {NO_MATH}"><caption>{field(roster.caption)}</caption><thead><tr>'
        f'<th scope="col">{field(roster.entity_label)}</th>{headings}</tr></thead><tbody>{rows}</tbody></table>'
    )


def roster_text(roster: Roster, edition: Edition) -> str:
    """A roster in plain text: each card's name and its values (the columns that have allowed values)."""
    valued = [column for column in roster.columns if column.values] or list(roster.shown_columns)
    return "\n".join(
        [roster.caption]
        + [
            f"{edition.entity(row['entity_id']).name}: " + "; ".join(str(row.get(column.name)) for column in valued)
            for row in roster.rows
        ]
    )


# --- the static site's own pages (reader site) ------------------------------------------------------------------


def _site_page(title: str, head: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}"
        "<style>body{font:17px/1.5 system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em;color:#222}"
        "a{color:#0b5394}a:focus-visible{outline:3px solid #0b5394;outline-offset:2px}</style>\n"
        f"</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def site_index_html(title: str, app_url: str) -> str:
    """The site's front page: straight on to the reader app (the REPL with code hidden), with links if it cannot."""
    url = escape(app_url)
    body = (
        f"<h1>{escape(title)}</h1>\n"
        f'<p><a href="{url}">Open the reader</a> (it starts in this browser: the first time takes a few seconds).</p>\n'
        f'<p><a href="notebooks.html">The notebooks</a> (in JupyterLab, in this browser).</p>\n'
    )
    # JupyterLite's pages read their settings from the root page too: it must carry this (empty) element.
    config = '<script id="jupyter-config-data" type="application/json" data-jupyter-lite-root=".">{}</script>\n'
    return _site_page(title, f'<meta http-equiv="refresh" content="0; url={url}">\n{config}', body)


def site_notebooks_html(title: str, notebooks: list[str]) -> str:
    """The list of the edition's notebooks, each opened in JupyterLite's JupyterLab."""
    items = "".join(
        f'<li><a href="lab/index.html?path={escape(name)}">{escape(name.removesuffix(".ipynb"))}</a></li>\n'
        for name in notebooks
    )
    body = (
        f"<h1>{escape(title)}: the notebooks</h1>\n<ul>\n{items}</ul>\n"
        "<p>They run in this browser. What you change in them is kept in this browser only.</p>\n"
        '<p><a href="index.html">Back to the reader</a></p>\n'
    )
    return _site_page(f"{title}: the notebooks", "", body)
