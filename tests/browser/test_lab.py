"""A student in JupyterLab: open the start notebook as the README does, run it, and use the reader."""

import json

import pytest
from harness import START_NOTEBOOK, UI_WAIT_MS, offline_page, open_start_notebook_and_run_all, start_lab
from playwright.sync_api import expect
from reader_page import ReaderPage

import reader


@pytest.fixture(scope="module")
def lab(module_home):
    server = start_lab(module_home)
    yield server
    server.stop()


def test_student_reads_in_jupyterlab(lab, browser, screenshots):
    page = offline_page(browser)
    edition = reader.load()
    open_start_notebook_and_run_all(page, lab)
    student = ReaderPage(page)
    student.wait_for_position(1)
    assert student.essay_words() == edition.paragraph(1).text
    page.screenshot(path=str(screenshots / "lab-01-first-paragraph.png"))

    student.click("Next ▶")
    student.wait_for_position(2)
    student.click("Next ▶")
    student.wait_for_position(3)
    student.click("◀ Previous")
    student.wait_for_position(2)
    assert "Sovnarkzhoy" in student.paragraph_text()

    student.set_sic_readings(True)
    student.app.locator(".reader-reading:text-is('Sovnarkhozy')").wait_for(timeout=UI_WAIT_MS)
    assert "(as written: Sovnarkzhoy)" in student.paragraph_text(), "for a screen reader, in the text"
    notes = student.app.locator(".reader-notes-view").inner_text()
    assert "“Sovnarkzhoy” → Sovnarkhozy" in notes, "and in the side panel's note"
    page.screenshot(path=str(screenshots / "lab-02-sic-readings.png"))
    student.set_sic_readings(False)
    student.app.locator(".reader-reading").first.wait_for(state="detached", timeout=UI_WAIT_MS)

    student.click("Open the quoted document")
    excerpt = student.app.locator(".reader-excerpt")
    excerpt.wait_for(timeout=UI_WAIT_MS)
    assert edition.excerpt_document.quotation[:60] in excerpt.inner_text()
    assert "not verified" in excerpt.inner_text()
    page.screenshot(path=str(screenshots / "lab-03-cia-excerpt.png"))

    student.jump_to(5)
    student.open_tab("Cards")
    card = next(
        edition.entity(entity_id)
        for entity_id in edition.paragraph(5).entity_ids
        if edition.entity(entity_id).kind == "person" and len(edition.entity(entity_id).paragraphs) > 1
    )
    student.choose_card(card.name)
    other = [number for number in card.paragraphs if number != 5][0]
    student.click(f"Go to ¶{other}", ".reader-entity-cards")
    student.wait_for_position(other)
    page.screenshot(path=str(screenshots / "lab-04-card-went-to-paragraph.png"))

    student.open_tab("Chronology")
    before = student.table_rows()
    student.filter_themes(["repression and protest"])
    page.wait_for_function(
        "(before) => document.querySelectorAll('.reader-chronology table.reader-events tbody tr').length < before",
        arg=before,
    )
    expected = [event for event in edition.all_events() if event.theme == "repression and protest"]
    assert student.table_rows() == len(expected)
    target = next(event for event in expected if 11 in event.paragraphs)
    student.choose_event(target.title)
    student.click("Go to ¶11", ".reader-chronology")
    student.wait_for_position(11)
    page.screenshot(path=str(screenshots / "lab-05-chronology-filtered.png"))

    student.write_note("Who fired at Novocherkassk: police or army?")
    page.reload()  # the page is gone; the student runs the notebook again and finds the note
    open_start_notebook_and_run_all(page, lab)
    again = ReaderPage(page)
    again.jump_to(11)
    expect(again.note_field()).to_have_value("Who fired at Novocherkassk: police or army?", timeout=UI_WAIT_MS)
    saved = json.loads((lab.notes_dir / f"{edition.name}.json").read_text(encoding="utf-8"))
    assert saved["paragraph_notes"]["11"]["text"] == "Who fired at Novocherkassk: police or army?"
    page.screenshot(path=str(screenshots / "lab-06-note-after-reload.png"))
    assert page.blocked == [], f"JupyterLab asked for something off this machine: {page.blocked}"
    assert {url.split("/")[2] for url in page.requests} == {f"127.0.0.1:{lab.port}"}, "only the class's server"
    assert any(f"/api/contents/{START_NOTEBOOK}" in url for url in page.requests), "the notebook came from it"
    page.context.close()
