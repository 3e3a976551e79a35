"""A standalone HTML handout of an edition: opens from disk without a kernel or a network, and prints well.

Everything is inline (styles, the timeline picture); nothing is loaded from elsewhere; every string from the
edition is escaped by :mod:`reader.render` and :mod:`reader.escaping`.
"""

from importlib.resources import files

from reader import panels, render
from reader.escaping import escape
from reader.model import Edition

PRINT_CSS = """
body { font-family: Georgia, "Times New Roman", serif; max-width: 52em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #999; margin-top: 2em; }
.reader-handout-paragraph { break-inside: avoid-page; margin-bottom: 1.2em; }
.reader-handout-paragraph h3 { margin-bottom: 0.2em; }
.reader-card { break-inside: avoid; border-top: 1px solid #ccc; padding-top: 0.4em; }
table { width: 100%; }
nav ol { columns: 2; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  h2 { break-before: page; }
  h2.reader-first { break-before: avoid; }
  .reader-timeline { max-width: 100%; }
}
"""


def build_handout(edition: Edition, *, teacher: bool = False) -> str:
    css = files("reader").joinpath("reader.css").read_text(encoding="utf-8")
    sections = []
    about = panels.about(edition)
    sections.append(("about", "About this text", about.html))
    essay = []
    for paragraph in edition.all_paragraphs():
        essay.append(
            f'<section class="reader-handout-paragraph" id="p{paragraph.number}"><h3>{paragraph.label}</h3>'
            + render.paragraph_html(paragraph, edition, with_readings=True, with_claims=False)
            + "<h4>Editorial notes</h4>"
            + render.notes_html(paragraph, edition)
            + (
                "<h4>Questions</h4>" + render.questions_html(paragraph.questions, teacher=teacher)
                if paragraph.questions
                else ""
            )
            + "</section>"
        )
    kind = edition.text_kind
    sections.append(("text", f"The {kind}, paragraph by paragraph", "".join(essay)))
    claims = "".join(
        f"<tr><td>¶{claim.paragraph}</td><td>“{escape(claim.quote)}”</td><td>{escape(claim.verdict)}</td>"
        f"<td>{escape(claim.record)}</td></tr>"
        for claim in (claim for paragraph in edition.all_paragraphs() for claim in paragraph.claims)
    )
    sections.append(
        (
            "claims",
            "The claims and the record",
            '<table class="reader-events"><thead><tr><th scope="col">¶</th><th scope="col">Claim</th>'
            '<th scope="col">Verdict</th><th scope="col">What the record says</th></tr></thead>'
            f"<tbody>{claims}</tbody></table>",
        )
    )
    sections.append(("chronology", "Chronology", panels.chronology(edition).html))
    for number, document in enumerate(edition.documents, start=1):
        anchor = "excerpt" if number == 1 else f"excerpt-{number}"
        title = "The quoted document" + (f" {number}" if len(edition.documents) > 1 else "")
        sections.append((anchor, title, render.excerpt_html(document, edition)))
    for roster in edition.rosters():
        sections.append((roster.roster_id, roster.title, render.roster_html(roster, edition)))
    sections.append(
        (
            "cards",
            "Cards",
            "".join(render.entity_card_html(entity, edition) for entity in edition.all_entities()),
        )
    )
    sources = "".join(
        f"<li>{escape(source.citation)}" + (f" — {escape(source.url)}" if source.url else "") + "</li>"
        for source in (edition.source(source_id) for source_id in edition.sources["source_id"])
    )
    sections.append(("sources", "Sources of the apparatus", f"<ol>{sources}</ol>"))
    contents = "".join(f'<li><a href="#{anchor}">{escape(title)}</a></li>' for anchor, title, _ in sections)
    first = ' class="reader-first"'
    body = "".join(
        f'<h2 id="{anchor}"{first if index == 0 else ""}>{escape(title)}</h2>{html}'
        for index, (anchor, title, html) in enumerate(sections)
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{escape(edition.title)} — annotated handout</title>"
        f"<style>{css}{PRINT_CSS}</style></head>"
        f'<body class="reader-app"><main><h1>{escape(edition.title)}</h1>'
        f"<p>An annotated handout: the {escape(kind)} exactly as written, paragraph by paragraph (¶1 …), with [sic] "
        "readings beside the words as written, editorial notes, questions, the claims checked against the record, the "
        "chronology, the quoted document and the cards. Every note names its sources.</p>"
        f'<nav aria-label="Contents"><ol>{contents}</ol></nav>{body}</main></body></html>\n'
    )
