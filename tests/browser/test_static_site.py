"""The static site (`reader site`) in Chromium, served by a plain static server, with every other request refused.

The reader runs in the page (Pyodide): the student journey, a note kept in the browser across a reload and exported
as a file, the hostile edition (nothing runs), axe-core on the reader's container.
"""

import json
import time
from pathlib import Path

import pytest
from harness import UI_WAIT_MS, offline_page, open_static_site, start_static_site, wait_for_frames
from hostile import make_hostile_edition
from playwright.sync_api import expect
from reader_page import ReaderPage
from test_accessibility import assert_accessible, run_axe
from test_hostile import assert_nothing_ran_and_text_is_literal

import reader
from reader.site.build import NO_NETWORK_PATH, build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory, module_home):
    folder = build_site(None, tmp_path_factory.mktemp("site") / "site", log=lambda _line: None).folder
    server = start_static_site(folder, module_home)
    yield server
    server.stop()


# JupyterLite's browser storage (IndexedDB): the notes file as the kernel wrote it through /drive.
STORED_FILE = """async (path) => {
    const db = await new Promise((ok, fail) => {
        const request = indexedDB.open('JupyterLite Storage - /');
        request.onsuccess = () => ok(request.result);
        request.onerror = fail;
    });
    const file = await new Promise(ok => {
        const request = db.transaction('files').objectStore('files').get(path);
        request.onsuccess = () => ok(request.result);
    });
    db.close();
    if (!file) return null;
    if (file.format !== 'base64') return typeof file.content === 'string' ? file.content : JSON.stringify(file.content);
    return new TextDecoder().decode(Uint8Array.from(atob(file.content), character => character.charCodeAt(0)));
}"""


def stored_notes(page, edition_name: str) -> dict:
    text = page.evaluate(STORED_FILE, f"reader-notes/{edition_name}.json")
    return json.loads(text) if text else {}


def wait_for_stored_note(page, edition_name: str, paragraph: str) -> dict:
    """The stored notes, once they hold a note on ``paragraph`` (polled: the save happens in the page's kernel)."""
    deadline = time.monotonic() + UI_WAIT_MS / 1000
    while not (stored := stored_notes(page, edition_name)).get("paragraph_notes", {}).get(paragraph):
        if time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    return stored


def assert_only_the_site_was_asked(page, server) -> None:
    assert page.blocked == [], f"the page asked for something off this machine: {page.blocked}"
    assert {url.split("/")[2] for url in page.requests} == {f"127.0.0.1:{server.port}"}, "only the site's server"
    assert not [url for url in page.requests if NO_NETWORK_PATH in url], "a CDN fallback was taken"
    assert any("/static/pyodide/pyodide.asm.wasm" in url for url in page.requests), "the site's own Pyodide"


def test_a_student_reads_in_the_static_site_offline(site, browser, screenshots, axe_source):
    edition = reader.load()
    page = offline_page(browser)
    open_static_site(page, site)
    student = ReaderPage(page)
    student.wait_for_position(1)
    assert student.essay_words() == edition.paragraph(1).text
    assert page.locator(".jp-CodeConsole-promptCell").is_hidden(), "no code prompt on the app page"
    assert not page.locator(".jp-InputArea").first.is_visible(), "no code on the app page"
    notice = student.app.locator(".reader-browser-notice")
    expect(notice).to_contain_text("Your notes live in this browser only")
    assert_only_the_site_was_asked(page, site)
    page.screenshot(path=str(screenshots / "site-01-app.png"))

    student.click("Next ▶")
    student.wait_for_position(2)
    student.click("Last ▶▶")
    student.wait_for_position(11)
    student.click("◀ Previous")
    student.wait_for_position(10)
    student.jump_to(2)
    student.click("Open the quoted document")
    student.app.locator(".reader-excerpt").wait_for(timeout=UI_WAIT_MS)
    claims = student.app.locator(".reader-claims")
    assert "verdict hidden" in claims.inner_text(), "class mode: judge first"
    claims.locator("label:has-text('doubtful') input").check()
    claims.locator("textarea").fill("The CIA is not a neutral source.")
    student.click("Record my judgement", ".reader-claims")
    first_claim = edition.paragraph(2).claims[0]
    claims.locator(f".reader-verdict:has-text('{first_claim.verdict}')").wait_for(timeout=UI_WAIT_MS)

    student.jump_to(9)
    student.open_tab("Cards")
    student.choose_card("Georgy Zhukov")
    student.click("Go to ¶8", ".reader-entity-cards")
    student.wait_for_position(8)
    student.open_tab("Chronology")
    student.open_tab("Questions")
    expect(student.app.locator(".reader-questions")).to_contain_text("?")
    wait_for_frames(page)
    assert_accessible(run_axe(page, axe_source))
    page.screenshot(path=str(screenshots / "site-02-questions.png"))

    student.jump_to(11)
    student.write_note("Compare with the official toll.")
    expect(student.app.locator(".reader-saved")).to_contain_text("in this browser")
    # the kernel has written it to the browser's storage (a reload before that would lose the last keystrokes)
    stored = wait_for_stored_note(page, edition.name, "11")
    assert stored["paragraph_notes"].get("11", {}).get("text") == "Compare with the official toll.", stored
    assert stored["judgements"][first_claim.claim_id]["judgement"] == "doubtful"
    page.reload()  # a new Python in the page: the note comes back from the browser's storage
    page.wait_for_selector(".reader-app .reader-paragraph .reader-text", timeout=240_000)
    again = ReaderPage(page)
    again.jump_to(11)
    expect(again.note_field()).to_have_value("Compare with the official toll.", timeout=UI_WAIT_MS)
    again.jump_to(2)
    expect(again.app.locator(".reader-claims .reader-own-judgement")).to_contain_text("doubtful", timeout=UI_WAIT_MS)

    again.click("Export my notes (Markdown)")
    link = again.app.locator("a.reader-download")
    link.wait_for(timeout=UI_WAIT_MS)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{edition.name}.md"
    exported = Path(download.path()).read_text(encoding="utf-8")
    assert "Compare with the official toll." in exported and "doubtful" in exported
    assert_only_the_site_was_asked(page, site)
    page.screenshot(path=str(screenshots / "site-03-exported.png"))
    page.context.close()


def test_the_hostile_edition_runs_nothing_in_the_static_site(tmp_path, browser, home, screenshots):
    hostile = make_hostile_edition(tmp_path / "hostile")
    folder = build_site(hostile, tmp_path / "site", log=lambda _line: None).folder
    server = start_static_site(folder, home)
    try:
        page = offline_page(browser)
        open_static_site(page, server)
        student = ReaderPage(page)
        for number in (1, 2, 3):
            student.jump_to(number)
        for title in ("Cards", "Chronology", "Quoted document", "Questions"):
            student.open_tab(title)
        page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")
        wait_for_frames(page)
        assert_nothing_ran_and_text_is_literal(page)
        assert_only_the_site_was_asked(page, server)
        page.screenshot(path=str(screenshots / "site-04-hostile.png"))
        page.context.close()
    finally:
        server.stop()
