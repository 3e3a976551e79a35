"""The reading room in a real browser (Voilà, and JupyterLab where it applies), at 1366×768 and 1920×1080.

Geometry: every paragraph of every bundled edition is wholly on screen with the top of the side panel, in a text face
of at least 18 px and 55–80 characters a line. Focus: after every action that changes the paragraph or opens
something, the focus is on the result or on the control used, never on the page body. Projector mode, keys, the
timeline's marks, axe-core's WCAG 2.2 AA rules in the three themes, and text from data that must stay text (a
"$5 to $10" that MathJax must not typeset, an unterminated U+202E that must not reorder what follows it).
"""

import csv
import shutil

import pytest
import yaml
from harness import (
    REPOSITORY,
    UI_WAIT_MS,
    offline_page,
    open_start_notebook_and_run_all,
    open_voila_app,
    start_lab,
    start_voila,
    wait_for_frames,
    wait_until_kernel_idle,
)
from playwright.sync_api import expect
from reader_page import ReaderPage

import reader
from reader.paths import default_edition_path

SIZES = [(1366, 768), (1920, 1080)]
EDITIONS = [
    entry["folder"] for entry in yaml.safe_load((REPOSITORY / "data" / "editions.yaml").read_text())["editions"]
]
SERIOUS = ("serious", "critical")

GEOMETRY = """() => {
    const app = document.querySelector('.reader-app');
    const text = app.querySelector('.reader-paragraph .reader-text');
    const side = app.querySelector('.reader-side');
    const style = getComputedStyle(text);
    const probe = document.createElement('span');
    probe.textContent = '0'.repeat(20);
    probe.style.position = 'absolute';
    probe.style.visibility = 'hidden';
    text.appendChild(probe);
    const ch = probe.getBoundingClientRect().width / 20;
    probe.remove();
    const box = text.getBoundingClientRect();
    const inner = box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
        - parseFloat(style.borderLeftWidth) - parseFloat(style.borderRightWidth);
    const sideBox = side.getBoundingClientRect();
    const sideHeading = side.querySelector('h3').getBoundingClientRect();
    return {top: box.top, bottom: box.bottom, left: box.left, right: box.right, font: parseFloat(style.fontSize),
            characters: inner / ch, sideTop: sideBox.top, sideLeft: sideBox.left, sideHeadingBottom: sideHeading.bottom,
            sideVisible: sideBox.width > 0 && getComputedStyle(side).display !== 'none',
            width: innerWidth, height: innerHeight};
}"""
ACTIVE = """() => { const e = document.activeElement;
    return {tag: e.tagName, body: e === document.body, text: (e.innerText || e.getAttribute('aria-label') || '').trim(),
            classes: e.className || '', inText: !!e.closest('.reader-paragraph'),
            inExcerpt: !!e.closest('.reader-excerpt'), top: e.getBoundingClientRect().top,
            bottom: e.getBoundingClientRect().bottom, height: innerHeight}; }"""


@pytest.fixture(scope="module", params=EDITIONS)
def edition_app(request, module_home):
    """The app of one bundled edition, as ``reader app EDITION`` serves it."""
    folder = REPOSITORY / "data" / request.param
    server = start_voila(module_home, {"READER_EDITION": str(folder)})
    yield reader.load(folder), server
    server.stop()


@pytest.fixture(scope="module")
def voila(module_home):
    server = start_voila(module_home)
    yield server
    server.stop()


def open_app(browser, server, size) -> ReaderPage:
    page = offline_page(browser, {"width": size[0], "height": size[1]})
    open_voila_app(page, server)
    return ReaderPage(page)


def assert_in_view(geometry: dict, where: str) -> None:
    assert geometry["top"] >= 0 and geometry["bottom"] <= geometry["height"], f"{where}: paragraph {geometry}"
    assert geometry["font"] >= 18, f"{where}: text at {geometry['font']} px"
    assert 55 <= geometry["characters"] <= 80, f"{where}: {geometry['characters']:.0f} characters a line"
    assert geometry["sideVisible"], f"{where}: side panel hidden"
    assert 0 <= geometry["sideTop"] < geometry["height"], f"{where}: side panel below the screen {geometry}"
    assert geometry["sideHeadingBottom"] <= geometry["height"], f"{where}: the side panel's top is not on screen"
    assert geometry["sideLeft"] >= geometry["right"], f"{where}: the side panel is not beside the text"


def assert_focus_not_lost(page, where: str) -> dict:
    active = page.evaluate(ACTIVE)
    assert not active["body"], f"{where}: the focus fell to the page body"
    return active


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_every_paragraph_is_on_screen_with_the_side_panel(edition_app, browser, size, screenshots):
    edition, server = edition_app
    student = open_app(browser, server, size)
    count = edition.paragraph_count
    student.wait_for_position(1, count)
    for number in range(1, count + 1):
        if number > 1:
            student.click("Next ▶")
            student.wait_for_position(number, count)
        wait_for_frames(student.page)
        assert_in_view(student.page.evaluate(GEOMETRY), f"{edition.name} ¶{number} at {size}")
        assert student.page.evaluate("scrollY") == 0, "nothing needed scrolling"
    # "Next ▶" is disabled now: the focus moved on to "◀ Previous"
    student.page.wait_for_function("() => document.activeElement.innerText === '◀ Previous'", timeout=UI_WAIT_MS)
    student.page.screenshot(path=str(screenshots / f"reading-room-{edition.name}-{size[0]}x{size[1]}-last.png"))
    student.page.context.close()


def test_focus_follows_every_action_and_the_result_is_in_view(voila, browser, screenshots):
    edition = reader.load()
    student = open_app(browser, voila, (1366, 768))
    page = student.page
    first = student.app.locator(".reader-jump select option").first
    expect(first).to_have_attribute("aria-label", f"¶1: {edition.paragraph(1).text}")
    assert first.inner_text().replace("\xa0", " ").endswith(" …"), "the visible label is cut at a word"
    student.click("Last ▶▶")
    student.wait_for_position(11)
    page.wait_for_function("() => document.activeElement.innerText === '◀ Previous'", timeout=UI_WAIT_MS)
    student.click("◀◀ First")
    student.wait_for_position(1)
    page.wait_for_function("() => document.activeElement.innerText === 'Next ▶'", timeout=UI_WAIT_MS)

    student.jump_to(9)
    student.open_tab("Cards")
    student.choose_card("Georgy Zhukov")
    student.click("Go to ¶8", ".reader-entity-cards")
    student.wait_for_position(8)
    page.wait_for_function("() => !!document.activeElement.closest('.reader-paragraph')", timeout=UI_WAIT_MS)
    assert_in_view(page.evaluate(GEOMETRY), "after Go to ¶8 from a card")

    student.jump_to(2)
    for label in ("Open the quoted document", "◀ Previous", "Next ▶"):
        width = student.button(label).bounding_box()["width"]
        assert width < 320, f"{label!r} is {width:.0f} px wide: buttons are sized to their labels"
    student.click("Open the quoted document")
    page.wait_for_function("() => !!document.activeElement.closest('.reader-excerpt')", timeout=UI_WAIT_MS)
    active = assert_focus_not_lost(page, "after opening the quoted document")
    assert active["top"] < active["height"], "the quoted document is brought into view"

    student.set_layer("Notes", True)
    note = next(number for number, note in enumerate(edition.paragraph(2).notes, start=1) if note.kind != "sic")
    student.app.locator(f".reader-marker[data-marker='note-{note}']").click()
    page.wait_for_function("() => document.activeElement.matches('li.reader-chosen')", timeout=UI_WAIT_MS)
    assert student.app.locator(".reader-paragraph .reader-noted.reader-chosen").count() >= 1, "its words marked"
    active = assert_focus_not_lost(page, "after choosing a note marker")
    assert active["top"] >= 0 and active["bottom"] <= active["height"], "the note is on screen"

    student.set_layer("Claims", True)
    student.app.locator(".reader-marker[data-marker='claim-2']").click()
    page.wait_for_function(
        "() => document.activeElement.matches('.reader-claim-card') && "
        "document.querySelector('.reader-marker[data-marker=\"claim-2\"]').getAttribute('aria-pressed') === 'true'",
        timeout=UI_WAIT_MS,
    )
    claims = student.app.locator(".reader-claims")
    claims.locator("label:has-text('doubtful') input").check()
    student.click("Record my judgement", ".reader-claims")
    claims.locator(".reader-own-judgement").wait_for(timeout=UI_WAIT_MS)
    page.wait_for_function("() => document.activeElement.matches('.reader-claim-card')", timeout=UI_WAIT_MS)
    page.screenshot(path=str(screenshots / "reading-room-1366x768-judged.png"))

    student.app.locator(".reader-paragraph").focus()
    page.keyboard.press("ArrowRight")
    student.wait_for_position(3)
    page.keyboard.press("PageUp")
    student.wait_for_position(2)
    assert_focus_not_lost(page, "after paging with the keyboard")
    page.context.close()


def test_projector_mode(voila, browser, screenshots):
    student = open_app(browser, voila, (1920, 1080))
    page = student.page
    student.app.locator(".reader-nav").get_by_role("checkbox", name="Projector", exact=True).check()
    page.wait_for_function(
        "() => parseFloat(getComputedStyle(document.querySelector('.reader-text')).fontSize) >= 28", timeout=UI_WAIT_MS
    )
    page.wait_for_function("() => !!document.activeElement.closest('.reader-paragraph')", timeout=UI_WAIT_MS)
    assert not student.app.locator(".reader-side").is_visible(), "the paragraph alone"
    assert not student.app.locator(".reader-layers").is_visible()
    for key, number in (("ArrowRight", 2), ("PageDown", 3), ("ArrowLeft", 2), ("PageUp", 1), ("ArrowRight", 2)):
        page.keyboard.press(key)
        student.wait_for_position(number)
    box = student.app.locator(".reader-paragraph .reader-text").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 1080, "the paragraph fits the projected screen"
    page.screenshot(path=str(screenshots / "reading-room-projector-1920x1080.png"))
    student.app.get_by_role("checkbox", name="Show the apparatus", exact=True).check()
    student.app.locator(".reader-side").wait_for(state="visible", timeout=UI_WAIT_MS)
    page.screenshot(path=str(screenshots / "reading-room-projector-apparatus-1920x1080.png"))
    page.context.close()


def test_timeline_marks_never_overlap_and_labels_are_filled(voila, browser):
    student = open_app(browser, voila, (1366, 768))
    student.jump_to(2)
    student.open_tab("Chronology")
    page = student.page
    page.locator(".reader-chronology .reader-mark").first.wait_for(state="attached", timeout=UI_WAIT_MS)
    boxes = page.evaluate(
        """() => Array.from(document.querySelectorAll('.reader-chronology .reader-mark')).map(mark => {
            const shape = mark.querySelector(':scope > :not(title):not(.reader-star)');
            const box = shape.getBoundingClientRect();
            return [box.left, box.top, box.right, box.bottom]; })"""
    )
    assert len(boxes) == len(reader.load().all_events())
    overlapping = [
        (first, second)
        for index, first in enumerate(boxes)
        for second in boxes[index + 1 :]
        if first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3]
    ]
    assert not overlapping, f"{len(overlapping)} pairs of marks overlap: {overlapping[:3]}"
    strokes = page.evaluate(
        "() => Array.from(document.querySelectorAll('.reader-chronology .reader-axis'))"
        ".map(label => getComputedStyle(label).stroke)"
    )
    assert strokes and set(strokes) == {"none"}, "labels are filled, never stroked"
    stars = page.locator(".reader-chronology .reader-mark .reader-star").count()
    assert stars == len(reader.load().paragraph(2).event_ids), "this paragraph's events marked by a shape, not colour"
    page.context.close()


@pytest.mark.parametrize("theme", ["Default", "High contrast", "Dark"])
def test_axe_wcag22_in_every_theme(voila, browser, axe_source, theme, screenshots):
    student = open_app(browser, voila, (1366, 768))
    page = student.page
    student.jump_to(2)
    for layer in ("Names", "[sic] readings", "Notes", "Claims"):
        student.set_layer(layer, True)
    student.app.locator(".reader-settings").get_by_label("Theme").select_option(label=theme)
    page.wait_for_function(
        "(theme) => document.querySelector('.reader-app').classList.contains('reader-theme-' + theme)",
        arg=theme.lower().replace(" ", "-"),
        timeout=UI_WAIT_MS,
    )
    student.app.locator(".reader-marker[data-marker='note-1']").click()
    student.open_tab("Chronology")
    wait_for_frames(page)
    page.screenshot(path=str(screenshots / f"reading-room-theme-{theme.lower().replace(' ', '-')}.png"))
    page.add_script_tag(path=str(axe_source))
    results = page.evaluate("""async () => await axe.run(document.querySelector('.reader-app'),
        {resultTypes: ['violations', 'passes'], runOnly: {type: 'tag',
         values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})""")
    serious = [violation for violation in results["violations"] if violation["impact"] in SERIOUS]
    assert not serious, "\n".join(
        f"{violation['id']}: {violation['help']} — {[node['target'] for node in violation['nodes'][:4]]}"
        for violation in serious
    )
    measured = {rule["id"] for rule in results["passes"]}
    assert {"color-contrast", "target-size"} <= measured, "contrast and target size were measured"
    landmarks = page.evaluate(
        "() => Array.from(document.querySelectorAll('.reader-app [role]'))"
        ".map(e => e.getAttribute('role') + ':' + (e.getAttribute('aria-label') || ''))"
    )
    assert {"navigation:Paragraphs", "main:Text", "complementary:Apparatus"} <= set(landmarks), landmarks
    page.context.close()


def edition_with_math_and_an_open_override(folder):
    """A copy of the bundled edition whose title has dollar amounts and one of whose roles opens a right-to-left
    override that it never closes."""
    shutil.copytree(default_edition_path(), folder)
    edition_yaml = folder / "edition.yaml"
    text = edition_yaml.read_text(encoding="utf-8")
    title = reader.load().title
    edition_yaml.write_text(text.replace(f"title: {title}", "title: Prices rose from $5 to $10 a ton", 1))
    roles = folder / "roles.csv"
    with roles.open(encoding="utf-8", newline="") as csv_file:
        rows = list(csv.reader(csv_file))
    index = next(index for index, row in enumerate(rows) if row[:2] == ["khrushchev", FIRST_SECRETARY])
    rows[index][1] = "\u202e" + FIRST_SECRETARY
    with roles.open("w", encoding="utf-8", newline="") as csv_file:
        csv.writer(csv_file, lineterminator="\n").writerows(rows)
    return folder


FIRST_SECRETARY = "First Secretary of the CPSU Central Committee"
# Where the first and the last character of the role's start date are drawn: the override, if it leaked out of its
# field, would draw the date backwards ("90-3591" for "1953-09"), as the issue saw.
ROLE_DATES = """() => {
    const item = Array.from(document.querySelectorAll('.reader-entity-cards .reader-card li'))
        .find(li => li.textContent.includes('First Secretary of the CPSU'));
    const date = item.querySelectorAll(':scope > bdi')[1].firstChild;
    const at = (start) => { const range = document.createRange(); range.setStart(date, start);
        range.setEnd(date, start + 1); return range.getBoundingClientRect().left; };
    return [at(0), at(date.length - 1), item.textContent];
}"""


@pytest.fixture(scope="module")
def text_edition(tmp_path_factory):
    folder = edition_with_math_and_an_open_override(tmp_path_factory.mktemp("math-bidi") / "edition")
    assert reader.load(folder).title == "Prices rose from $5 to $10 a ton"
    return folder


def assert_text_stays_text(student: ReaderPage) -> None:
    title = student.app.locator(".reader-title")
    assert title.inner_text() == "Prices rose from $5 to $10 a ton", "shown exactly as written"
    assert student.page.locator(".reader-app mjx-container, .reader-app .MathJax").count() == 0, "nothing typeset"
    student.open_tab("Cards")
    student.choose_card("Nikita Khrushchev")
    start, end, text = student.page.evaluate(ROLE_DATES)
    assert "\u202e" in text
    assert start < end, "the role's dates read left to right: the open override stays inside its field"


def test_text_from_data_stays_text_in_voila(text_edition, browser, module_home):
    server = start_voila(module_home, {"READER_EDITION": str(text_edition)})
    try:
        student = open_app(browser, server, (1366, 768))
        assert_text_stays_text(student)
        student.page.context.close()
    finally:
        server.stop()


def test_text_from_data_stays_text_in_jupyterlab(text_edition, browser, home, screenshots):
    server = start_lab(home, {"READER_EDITION": str(text_edition)})
    try:
        page = offline_page(browser, {"width": 1366, "height": 768})
        open_start_notebook_and_run_all(page, server)
        student = ReaderPage(page)
        student.wait_for_position(1)
        wait_until_kernel_idle(page)  # every cell has run
        wait_for_frames(page, 30)  # MathJax typesets after the output is attached: give it the chance to fail
        box = student.app.locator(".reader-paragraph .reader-text").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768, f"after Run All, ¶1 is on screen: {box}"
        assert_text_stays_text(student)
        page.screenshot(path=str(screenshots / "reading-room-lab-text-stays-text.png"))
        page.context.close()
    finally:
        server.stop()
