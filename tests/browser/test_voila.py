"""A student in the Voilà app, offline: no code on the page, notes kept across a reload (a new kernel)."""

import json

import pytest
from harness import UI_WAIT_MS, offline_page, open_voila_app, start_voila
from playwright.sync_api import expect
from reader_page import ReaderPage

import reader


@pytest.fixture(scope="module")
def voila(module_home):
    server = start_voila(module_home)
    yield server
    server.stop()


def open_app(page, voila) -> ReaderPage:
    open_voila_app(page, voila)
    return ReaderPage(page)


def test_student_uses_the_app_offline(voila, browser, screenshots):
    edition = reader.load()
    page = offline_page(browser)
    student = open_app(page, voila)
    student.wait_for_position(1)
    assert page.locator(".jp-InputArea, .jp-InputPrompt").count() == 0, "no code on the page"
    assert page.blocked == [], f"the page asked for something off this machine: {page.blocked}"
    assert page.requests[0] == voila.url("/"), "requests were recorded, the page's own first"
    assert {url.split("/")[2] for url in page.requests} == {f"127.0.0.1:{voila.port}"}, "only the app's server"
    assert any("/voila/templates/reader/static/" in url for url in page.requests), "the reader's template"
    assert student.essay_words() == edition.paragraph(1).text
    page.screenshot(path=str(screenshots / "voila-01-app.png"))

    student.click("Last ▶▶")
    student.wait_for_position(11)
    student.click("◀ Previous")
    student.wait_for_position(10)
    student.jump_to(2)
    student.set_sic_readings(True)
    student.app.locator(".reader-reading:text-is('Kosygin')").wait_for(timeout=UI_WAIT_MS)
    student.click("Open the quoted document")
    student.app.locator(".reader-excerpt").wait_for(timeout=UI_WAIT_MS)

    claims = student.app.locator(".reader-claims")
    assert "verdict hidden" in claims.inner_text(), "class mode: judge first"
    claims.locator("label:has-text('doubtful') input").check()
    claims.locator("textarea").fill("The CIA is not a neutral source on the Soviet economy.")
    student.click("Record my judgement", ".reader-claims")
    first_claim = edition.paragraph(2).claims[0]
    claims.locator(f".reader-verdict:has-text('{first_claim.verdict}')").wait_for(timeout=UI_WAIT_MS)
    page.screenshot(path=str(screenshots / "voila-02-judged-claim.png"))

    student.jump_to(9)
    student.open_tab("Cards")
    student.choose_card("Georgy Zhukov")
    student.click("Go to ¶8", ".reader-entity-cards")
    student.wait_for_position(8)

    student.open_tab("Search")
    student.app.locator(".reader-search input").fill("Novocherkassk")
    student.app.locator(".reader-search input").press("Enter")
    student.app.locator(".reader-search-hit").first.wait_for(timeout=UI_WAIT_MS)
    student.app.locator(".reader-search-hit:has-text('Text: ¶11')").click()
    student.wait_for_position(11)

    student.write_note("Compare with the official toll.")
    page.reload()  # a new kernel: the note comes back from the student's file
    again = open_app(page, voila)
    again.jump_to(11)
    expect(again.note_field()).to_have_value("Compare with the official toll.", timeout=UI_WAIT_MS)
    again.jump_to(2)
    expect(again.app.locator(".reader-claims .reader-own-judgement")).to_contain_text("doubtful", timeout=UI_WAIT_MS)
    expect(again.app.locator(".reader-claims .reader-claim-card .reader-verdict")).to_contain_text(first_claim.verdict)
    saved = json.loads((voila.notes_dir / f"{edition.name}.json").read_text(encoding="utf-8"))
    assert saved["judgements"][first_claim.claim_id]["judgement"] == "doubtful"
    page.screenshot(path=str(screenshots / "voila-03-after-reload.png"))
    page.context.close()
