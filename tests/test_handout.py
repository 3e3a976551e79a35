"""``reader export``: a standalone handout that needs no kernel and no network."""

import re
import subprocess
import sys
from html.parser import HTMLParser

from reader.escaping import escape
from reader.handout import build_handout


class Resources(HTMLParser):
    """Everything a page would load: scripts, stylesheets, images, frames."""

    def __init__(self):
        super().__init__()
        self.loaded, self.scripts = [], 0

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if tag == "script":
            self.scripts += 1
        if tag in ("img", "iframe", "audio", "video", "source", "embed") and attributes.get("src"):
            self.loaded.append(attributes["src"])
        if tag == "link":
            self.loaded.append(attributes.get("href"))


def test_handout_holds_the_whole_apparatus(edition):
    html = build_handout(edition)
    for paragraph in edition.all_paragraphs():
        assert f'id="p{paragraph.number}"><h3>{paragraph.label}</h3>' in html
    for note in edition.all_paragraphs()[1].notes:
        assert escape(note.note) in html
    sic = next(note for paragraph in edition.all_paragraphs() for note in paragraph.notes if note.kind == "sic")
    assert f"[as written: {escape(sic.anchor)}]" in html
    assert html.count('<svg class="reader-timeline ') == 1
    assert escape(edition.excerpt_document.quotation) in html
    assert all(escape(entity.name) in html for entity in edition.all_entities())
    assert all(
        escape(question.question) in html for paragraph in edition.all_paragraphs() for question in paragraph.questions
    )
    assert "Expected points" not in html
    assert "Expected points" in build_handout(edition, teacher=True)
    assert "@media print" in html


def test_handout_loads_nothing_from_anywhere(edition):
    parser = Resources()
    parser.feed(build_handout(edition))
    assert parser.scripts == 0
    assert parser.loaded == []
    assert not re.search(r"url\(\s*['\"]?https?:", build_handout(edition)), "no remote CSS resources"


def test_reader_export_command(tmp_path):
    output = tmp_path / "handout.html"
    result = subprocess.run(
        [sys.executable, "-m", "reader", "export", "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
