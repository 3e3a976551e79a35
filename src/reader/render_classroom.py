"""HTML and plain text of the class: joining, the class's judgements, the teacher's view, download links.

The render layer of the classroom widgets. Every name, note and reason a student typed, and every string from the
edition, is escaped here (:func:`reader.escaping.escape`) before markup is built around it; names and reasons are
also isolated (``<bdi>``) so that one student's right-to-left or control characters cannot reorder another's text.
"""

import base64
from collections.abc import Iterable, Mapping, Sequence

from reader.escaping import escape
from reader.model import Claim, Edition
from reader.render import VERDICT_MARKS, css_class
from reader.student_notes import JUDGEMENTS

JUDGEMENT_MARKS = {"supported": "✓", "doubtful": "?", "wrong": "✗", "opinion": "…"}


def _isolated(text: object) -> str:
    """Text a student typed, escaped and isolated from its neighbours' direction."""
    return f'<bdi dir="auto">{escape(text)}</bdi>'


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- joining -------------------------------------------------------------------------------------------------


def join_intro_html(edition: Edition) -> str:
    return (
        f'<h2 class="reader-title">{escape(edition.title)}</h2>'
        '<p class="reader-join-intro">To join your class, type your name (or a pseudonym your teacher will '
        "recognise) and the class code your teacher shows. Your notes and judgements are then yours: no other "
        "student sees them.</p>"
    )


def join_problem_html(message: str) -> str:
    return f'<p class="reader-warning" role="alert">{escape(message)}</p>'


def joined_html(name: str, personal_link: str | None) -> str:
    """Who the student is now, and the link that brings them back to their work."""
    if personal_link is None:
        return f'<p class="reader-joined" aria-live="polite">You are in the class as {_isolated(name)}.</p>'
    return (
        f'<p class="reader-joined" aria-live="polite">You are in the class as {_isolated(name)}. '
        f"<b>Bookmark your personal link</b> to find your work again after a reload or another day: "
        f'<a class="reader-personal-link" href="{escape(personal_link)}">your personal link</a> '
        f"(<code>{escape(personal_link)}</code>). Keep it to yourself: whoever has it can read and change your "
        "notes.</p>"
    )


# --- the class's judgements of a claim ------------------------------------------------------------------------


def judgement_bars_html(counts: Mapping[str, int], judged: int, label: str) -> str:
    """One bar per judgement, each with its word, sign and count (never colour alone); widths in % of ``judged``."""
    rows = []
    for judgement in JUDGEMENTS:
        count = int(counts.get(judgement, 0))
        width = round(100 * count / judged) if judged else 0
        rows.append(
            f'<tr><th scope="row">{JUDGEMENT_MARKS[judgement]} {escape(judgement)}</th>'
            f'<td class="reader-bar-cell"><span class="reader-bar reader-bar-{css_class(judgement)}" '
            f'style="width: {width}%"></span></td><td class="reader-count">{count}</td></tr>'
        )
    return f'<table class="reader-bars" aria-label="{escape(label)}"><tbody>{"".join(rows)}</tbody></table>'


def record_verdict_html(claim: Claim) -> str:
    return (
        f'<p><span class="reader-label">The record:</span> <span class="reader-verdict '
        f'reader-verdict-{css_class(claim.verdict)}">{VERDICT_MARKS.get(claim.verdict, "")} '
        f"{escape(claim.verdict)}</span></p>"
    )


def claim_heading(claim: Claim) -> str:
    short = claim.quote if len(claim.quote) <= 70 else claim.quote[:69] + "…"
    return f"¶{claim.paragraph} · “{short}”"


def distribution_html(claim: Claim, counts: Mapping[str, int], judged: int) -> str:
    """What the class judged of a claim, as a student sees it once the teacher has revealed it."""
    return (
        f'<div class="reader-distribution"><h4>The class’s judgements ({_plural(judged, "student")})</h4>'
        + judgement_bars_html(counts, judged, f"The class's judgements of {claim_heading(claim)}")
        + record_verdict_html(claim)
        + "</div>"
    )


def distribution_waiting_html(reason: str) -> str:
    return f'<p class="reader-empty" aria-live="polite">{escape(reason)}</p>'


# --- the teacher's view --------------------------------------------------------------------------------------


def class_banner_html(title: str, code: str, students: int) -> str:
    """The line a projected screen shows: the class code students type to join, and how many have joined."""
    spaced = f"{code[:4]} {code[4:]}" if len(code) == 8 else code
    return (
        f'<div class="reader-class-banner"><h2 class="reader-title">{escape(title)}: the class</h2>'
        f'<p>Class code: <span class="reader-class-code">{escape(spaced)}</span> · '
        f"{_plural(students, 'student')} joined</p></div>"
    )


def stacked_bar_html(counts: Mapping[str, int], judged: int) -> str:
    """One bar split by judgement; each part carries its sign, and the counts are written beside it in words."""
    parts = []
    for judgement in JUDGEMENTS:
        count = int(counts.get(judgement, 0))
        if count and judged:
            parts.append(
                f'<span class="reader-bar reader-bar-{css_class(judgement)}" style="width: '
                f'{100 * count / judged:.1f}%">{JUDGEMENT_MARKS[judgement]}</span>'
            )
    return f'<span class="reader-stacked-bar" aria-hidden="true">{"".join(parts)}</span>'


def counts_text(counts: Mapping[str, int]) -> str:
    return " · ".join(
        f"{JUDGEMENT_MARKS[judgement]} {escape(judgement)} {int(counts.get(judgement, 0))}" for judgement in JUDGEMENTS
    )


def summary_html(edition: Edition, rows: Sequence[Mapping]) -> str:
    """Every claim on one line: the class's judgements (a bar and the counts) beside the record's verdict, and
    whether students who judged it may see them. Compact, to be projected."""
    claims = {claim.claim_id: claim for paragraph in edition.all_paragraphs() for claim in paragraph.claims}
    lines = []
    for row in rows:
        claim = claims.get(row["claim_id"])
        if claim is None:  # judged in a class whose edition has since lost this claim: said, not hidden
            heading, verdict = f"claim {escape(row['claim_id'])} (no longer in this edition)", ""
        else:
            heading = escape(claim_heading(claim))
            verdict = (
                f'<span class="reader-verdict reader-verdict-{css_class(claim.verdict)}">'
                f"{VERDICT_MARKS.get(claim.verdict, '')} {escape(claim.verdict)}</span>"
            )
        judged = int(row["judged"])
        shown = "shown" if row.get("revealed") else "hidden"
        lines.append(
            f'<tr class="reader-summary-claim"><th scope="row">{heading}</th><td class="reader-count">{judged}</td>'
            f"<td>{stacked_bar_html(row['counts'], judged)}<br>"
            f'<span class="reader-summary-counts">{counts_text(row["counts"])}</span></td>'
            f"<td>{verdict}</td><td>{shown}</td></tr>"
        )
    if not lines:
        return '<p class="reader-empty">This edition has no checkable claims.</p>'
    return (
        '<table class="reader-summary"><caption>The class’s judgements of each claim, beside the record</caption>'
        '<thead><tr><th scope="col">claim</th><th scope="col">judged</th><th scope="col">the class</th>'
        '<th scope="col">the record</th><th scope="col">students see it</th></tr></thead>'
        f"<tbody>{''.join(lines)}</tbody></table>"
    )


def reasons_html(claim: Claim | None, reasons: Iterable[Mapping], *, show_names: bool) -> str:
    """The students' reasons for one claim; names only when the teacher asks for them."""
    items = []
    for entry in reasons:
        who = f"{_isolated(entry.get('name') or '')}: " if show_names and entry.get("name") else ""
        reason = _isolated(entry["reason"]) if entry.get("reason") else '<span class="reader-empty">(no reason)</span>'
        items.append(
            f'<li>{who}<span class="reader-tag">{JUDGEMENT_MARKS.get(entry["verdict"], "")} '
            f"{escape(entry['verdict'])}</span> — {reason}</li>"
        )
    heading = f"Reasons given for {escape(claim_heading(claim))}" if claim else "Reasons"
    if not items:
        return f'<h4>{heading}</h4><p class="reader-empty">No judgement of this claim yet.</p>'
    return f'<h4>{heading}</h4><ul class="reader-reasons">{"".join(items)}</ul>'


def progress_html(progress: Iterable[Mapping], paragraph_count: int, *, show_names: bool) -> str:
    """How far each student has read (their furthest paragraph): counts per paragraph, names when asked for."""
    by_paragraph: dict[int, list[str]] = {}
    for entry in progress:
        reached = entry.get("furthest") or entry.get("paragraph")
        by_paragraph.setdefault(int(reached or 0), []).append(str(entry.get("name") or ""))
    rows = []
    for number in range(0 if 0 in by_paragraph else 1, paragraph_count + 1):
        names = by_paragraph.get(number, [])
        shown = ", ".join(_isolated(name) for name in sorted(names)) if show_names and names else ""
        label = f"¶{number}" if number else "not started"
        rows.append(f'<tr><th scope="row">{label}</th><td class="reader-count">{len(names)}</td><td>{shown}</td></tr>')
    return (
        "<h4>Where the students are</h4>"
        '<table class="reader-progress"><thead><tr><th scope="col">paragraph</th><th scope="col">students</th>'
        f'<th scope="col">{"names" if show_names else "names hidden"}</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def clear_confirm_html(students: int) -> str:
    return (
        f'<p class="reader-warning" role="alert">Delete the notes, judgements and progress of '
        f"{_plural(students, 'student')}, and their personal links? This cannot be undone. Export the CSV first "
        "if you want to keep the results.</p>"
    )


def teacher_message_html(message: str, *, problem: bool = False) -> str:
    if problem:
        return f'<p class="reader-warning" role="alert">{escape(message)}</p>'
    return f'<p class="reader-saved" aria-live="polite">{escape(message)}</p>'


# --- files a browser downloads --------------------------------------------------------------------------------


def download_link_html(filename: str, text: str, media_type: str, label: str) -> str:
    """A link that downloads ``text`` as ``filename`` from the page itself (a data: URL: no server route needed)."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (
        f'<a class="reader-download" download="{escape(filename)}" '
        f'href="data:{escape(media_type)};charset=utf-8;base64,{payload}">{escape(label)}</a>'
    )


# --- status of a student's class notes ------------------------------------------------------------------------


def class_notes_status_html(message: str, *, alert: bool, not_saved: str | None = None) -> str:
    """Where the student's notes are (the class client's one line, which names no path or address); ``alert`` when
    they are not reaching the class; ``not_saved`` when even the student's own copy could not be written."""
    if not_saved:
        return (
            f'<p class="reader-warning" role="alert">Your note was NOT saved: {escape(not_saved)}. Your text stays '
            "in the field; it is saved again as you type. Tell your teacher if this message stays.</p>"
        )
    if alert:
        return (
            f'<p class="reader-warning" role="alert">{escape(message)} Keep this page open; tell your teacher if '
            "this message stays.</p>"
        )
    return f'<span class="reader-saved" aria-live="polite">{escape(message)}</span>'
