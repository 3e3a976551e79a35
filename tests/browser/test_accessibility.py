"""axe-core on the reader's own container in JupyterLab and Voilà; the whole reader with the keyboard alone."""

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
from playwright.sync_api import expect
from reader_page import ReaderPage

import reader

# JupyterLab clips its body to 0 px with overflow:hidden, so axe would silently skip colour contrast there.
# For the measurement only, the clip is lifted.
LIFT_LAB_CLIP = """
html, body { height: auto !important; overflow: visible !important; }
"""
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def voila(module_home):
    """One app server for the module; every test opens its own page, so its own kernel."""
    server = start_voila(module_home)
    yield server
    server.stop()


def run_axe(page, axe_source) -> dict:
    page.add_script_tag(path=str(axe_source))
    return page.evaluate("""async () => await axe.run(document.querySelector('.reader-app'),
        {resultTypes: ['violations', 'passes'], runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa',
         'best-practice']}})""")


def describe(violations) -> str:
    return "\n".join(
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
            for node in violation["nodes"][:5]
        )
        for violation in violations
    )


def assert_accessible(results) -> None:
    serious = [violation for violation in results["violations"] if violation["impact"] in SERIOUS]
    assert not serious, describe(serious)
    measured = {rule["id"] for rule in results["passes"]}
    assert "color-contrast" in measured, "colour contrast was not measured"
    assert {"button-name", "label"} & measured


def visit_all_views(student: ReaderPage) -> None:
    student.jump_to(2)
    student.set_layer("Claims", True)
    student.app.locator(".reader-marker[data-marker^='claim-']").first.wait_for(timeout=UI_WAIT_MS)
    student.set_layer("Names", True)
    student.set_layer("Notes", True)
    student.set_sic_readings(True)
    student.app.locator(".reader-reading").first.wait_for(timeout=UI_WAIT_MS)


@pytest.mark.parametrize("tab", ["Cards", "Chronology", "Quoted document", "Questions", "Search"])
def test_axe_in_voila(tab, browser, axe_source, voila):
    page = offline_page(browser)
    open_voila_app(page, voila)
    student = ReaderPage(page)
    visit_all_views(student)
    student.open_tab(tab)
    wait_for_frames(page)
    assert_accessible(run_axe(page, axe_source))
    page.context.close()


def test_axe_in_jupyterlab(browser, axe_source, home):
    server = start_lab(home)
    try:
        # Tall enough that the notebook shows the whole reader: axe cannot measure the contrast of an element the
        # notebook's own scroller cuts in two (it reports an error and skips the rule for every element).
        page = offline_page(browser, {"width": 1300, "height": 2600})
        open_start_notebook_and_run_all(page, server)
        page.add_style_tag(content=LIFT_LAB_CLIP)
        student = ReaderPage(page)
        visit_all_views(student)
        for tab in ("Cards", "Chronology", "Quoted document"):
            student.open_tab(tab)
            wait_for_frames(page)
            assert_accessible(run_axe(page, axe_source))
        page.context.close()
    finally:
        server.stop()


def focused(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
        return (e.tagName + ' ' + (e.innerText || label || e.value || e.getAttribute('aria-label') || '')).trim();
        }""")


def tab_to(page, predicate, limit: int = 120) -> str:
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused(page)
        if predicate(current):
            return current
    raise AssertionError(f"could not reach the control with Tab; last focus: {focused(page)}")


def test_the_whole_reader_with_the_keyboard_alone(browser, voila, screenshots):
    """In the Voilà app: no mouse. Tab, Shift+Tab, Enter, Space and arrows only."""
    edition = reader.load()
    page = offline_page(browser)
    open_voila_app(page, voila)
    student = ReaderPage(page)
    page.locator("body").focus()

    tab_to(page, lambda text: text.startswith("BUTTON Next"))
    page.keyboard.press("Enter")
    student.wait_for_position(2)
    page.keyboard.press("Space")
    student.wait_for_position(3)

    tab_to(page, lambda text: text.startswith("SELECT"))  # Go to
    page.keyboard.press("ArrowDown")
    student.wait_for_position(4)
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    student.wait_for_position(2)

    tab_to(page, lambda text: text == "INPUT [sic] readings")  # a layer: Space toggles it
    page.keyboard.press("Space")
    student.app.locator(".reader-reading").first.wait_for(timeout=UI_WAIT_MS)

    tab_to(page, lambda text: text == "INPUT Claims")
    page.keyboard.press("Space")
    student.app.locator(".reader-marker[data-marker^='claim-']").first.wait_for(timeout=UI_WAIT_MS)

    tab_to(page, lambda text: text.startswith("BUTTON Open the quoted document"))
    page.keyboard.press("Enter")
    student.app.locator(".reader-excerpt").wait_for(timeout=UI_WAIT_MS)

    tab_to(page, lambda text: text.startswith("TEXTAREA"), limit=200)  # the note field
    page.keyboard.type("Typed without a mouse.")
    page.keyboard.press("Tab")
    student.app.locator(".reader-saved:has-text('last saved')").wait_for(timeout=UI_WAIT_MS)

    tab_to(page, lambda text: text.startswith("LI") and "Cards" in text, limit=200)  # the tab bar
    page.keyboard.press("Enter")
    tab_to(page, lambda text: text.startswith("SELECT"))  # the card list
    heading = student.app.locator(".reader-entity-cards .reader-card h3")
    before = heading.inner_text()
    page.keyboard.press("ArrowDown")
    page.wait_for_function(
        "(before) => document.querySelector('.reader-entity-cards .reader-card h3').innerText !== before",
        arg=before,
        timeout=UI_WAIT_MS,
    )
    shown = heading.inner_text()
    card = max(
        (entity for entity in edition.all_entities() if shown.startswith(entity.name)), key=lambda e: len(e.name)
    )
    go_buttons = student.app.locator(".reader-entity-cards button.jupyter-button:has-text('Go to ¶')")
    expect(go_buttons).to_have_text([f"Go to ¶{number}" for number in card.paragraphs])  # they arrive with the card
    tab_to(page, lambda text: text.startswith("BUTTON Go to ¶"))
    target = int(focused(page).split("¶")[1])
    page.keyboard.press("Enter")
    student.wait_for_position(target)
    page.screenshot(path=str(screenshots / "keyboard-only.png"))
    page.context.close()
