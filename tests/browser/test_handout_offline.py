"""The handout opened from disk in a real browser with the network unreachable: all content there."""

import subprocess
import sys

from harness import offline_page

import reader


def test_handout_from_disk_offline(browser, tmp_path, screenshots):
    edition = reader.load()
    handout = tmp_path / "handout.html"
    subprocess.run([sys.executable, "-m", "reader", "export", "-o", str(handout)], check=True, timeout=120)
    page = offline_page(browser)
    page.goto(handout.as_uri())
    shown = page.locator("body").inner_text()
    for paragraph in edition.all_paragraphs():
        assert page.locator(f"#p{paragraph.number} h3").inner_text() == paragraph.label
    assert edition.excerpt_document.quotation[:80] in shown
    assert "[as written: Sovnarkzhoy]" in shown
    assert page.locator("svg.reader-timeline").is_visible()
    assert all(entity.name in shown for entity in edition.all_entities())
    assert page.blocked == [], "the handout loads nothing from the network"
    page.screenshot(path=str(screenshots / "handout.png"))
    page.emulate_media(media="print")
    page.pdf(path=str(tmp_path / "handout.pdf"))
    assert (tmp_path / "handout.pdf").stat().st_size > 50_000
    page.context.close()
