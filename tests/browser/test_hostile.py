"""An edition whose every text field carries HTML and JavaScript: nothing runs, everything is shown literally."""

import pytest
from harness import (
    UI_WAIT_MS,
    offline_page,
    open_start_notebook_and_run_all,
    open_voila_app,
    start_lab,
    start_voila,
    wait_for_frames,
)
from hostile import MARK, make_hostile_edition
from reader_page import ReaderPage

import reader


@pytest.fixture(scope="module")
def hostile_edition(tmp_path_factory):
    folder = make_hostile_edition(tmp_path_factory.mktemp("hostile") / "edition")
    reader.load(folder)  # the attack is a valid edition: only escaping stands between it and the page
    return folder


def visit_everything(student: ReaderPage, page, edition) -> None:
    """Every paragraph with both text modes and claims on; every tab; a card, an event, a search."""
    for layer in ("Names", "Notes", "Claims"):
        student.set_layer(layer, True)
    for number in range(1, edition.paragraph_count + 1):
        student.jump_to(number)
        student.set_sic_readings(number % 2 == 0)
    for title in ("Cards", "Chronology", "Quoted document", "Questions", "Search"):
        student.open_tab(title)
    student.open_tab("Search")
    student.app.locator(".reader-search input").fill(MARK)
    student.app.locator(".reader-search input").press("Enter")
    student.app.locator(".reader-search-hit").first.wait_for(timeout=UI_WAIT_MS)
    student.app.locator(".reader-search-hit").first.hover()
    student.open_tab("Chronology")
    student.app.locator(".reader-chronology svg title").first.wait_for(state="attached")
    page.mouse.move(400, 400)
    # a payload would run when an image fails to load or a hover lands: wait until every image has loaded or failed
    page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")
    wait_for_frames(page)


def assert_nothing_ran_and_text_is_literal(page) -> None:
    assert page.evaluate("window.__pwned === undefined"), "a payload ran"
    shown = page.locator(".reader-app").first.inner_text()
    assert MARK in shown
    assert '<img src=x onerror="window.__pwned=' in shown, "the attack is shown as text"
    assert "<script>window.__pwned=1</script>" in shown
    assert page.locator(".reader-app img[src='x'], .reader-app iframe, .reader-app script").count() == 0
    assert page.evaluate("getComputedStyle(document.body).display") != "none", "injected CSS took effect"
    assert page.locator(".reader-app .reader-paragraph .reader-text").first.is_visible()


def test_hostile_edition_in_jupyterlab(hostile_edition, browser, screenshots, home):
    server = start_lab(home, {"READER_EDITION": str(hostile_edition)})
    try:
        page = offline_page(browser)
        page.add_init_script("window.addEventListener('error', () => {});")
        open_start_notebook_and_run_all(page, server)
        student = ReaderPage(page)
        visit_everything(student, page, reader.load(hostile_edition))
        assert_nothing_ran_and_text_is_literal(page)
        notebook_outputs = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
        assert MARK in notebook_outputs, "the start notebook's panels show the attack as text too"
        page.screenshot(path=str(screenshots / "hostile-lab.png"))
        page.context.close()
    finally:
        server.stop()


def test_hostile_edition_in_voila(hostile_edition, browser, screenshots, home):
    server = start_voila(home, {"READER_EDITION": str(hostile_edition)})
    try:
        page = offline_page(browser)
        open_voila_app(page, server)
        student = ReaderPage(page)
        visit_everything(student, page, reader.load(hostile_edition))
        assert_nothing_ran_and_text_is_literal(page)
        page.screenshot(path=str(screenshots / "hostile-voila.png"))
        page.context.close()
    finally:
        server.stop()
