"""Screenshots of the reader's key states, in a real browser, at 1366×768 and 1920×1080 (Voilà and JupyterLab).

    .venv/bin/python scripts/screenshot.py            # writes test-artifacts/screenshots/ and the README's docs/*.png

Needs Chromium (Debian: apt-get install chromium) and the test extra (playwright). One browser, one page at a time.
"""

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "browser"))

from harness import (  # noqa: E402
    REPOSITORY,
    launch_browser,
    offline_page,
    open_start_notebook_and_run_all,
    open_voila_app,
    remove_home,
    start_lab,
    start_voila,
    throwaway_home,
    wait_for_frames,
)
from playwright.sync_api import sync_playwright  # noqa: E402
from reader_page import ReaderPage  # noqa: E402

SCREENSHOTS = REPOSITORY / "test-artifacts" / "screenshots"
DOCS = REPOSITORY / "docs"
# The README's images: (screenshot written here, its copy in docs/).
README_IMAGES = {
    "voila-1366x768-paragraph-2-layers.png": "reading-room-1366x768.png",
    "voila-1920x1080-projector.png": "reading-room-projector.png",
    "lab-1366x768-start.png": "reader-in-jupyterlab.png",
}


def shoot(page, name: str) -> None:
    wait_for_frames(page, 3)
    page.screenshot(path=str(SCREENSHOTS / name))
    print(f"wrote {(SCREENSHOTS / name).relative_to(REPOSITORY)}")


def voila_states(browser, server, width: int, height: int) -> None:
    page = offline_page(browser, {"width": width, "height": height})
    open_voila_app(page, server)
    student = ReaderPage(page)
    student.wait_for_position(1)
    shoot(page, f"voila-{width}x{height}-paragraph-1.png")
    student.click("Next ▶")
    student.wait_for_position(2)
    for layer in ("Names", "[sic] readings", "Notes", "Claims"):
        student.set_layer(layer, True)
    student.app.locator(".reader-marker[data-marker='claim-1']").click()
    page.wait_for_function("() => document.activeElement.matches('.reader-claim-card')")
    page.evaluate("() => window.scrollTo(0, 0)")
    shoot(page, f"voila-{width}x{height}-paragraph-2-layers.png")
    student.app.locator(".reader-settings").get_by_label("Theme").select_option(label="Dark")
    page.wait_for_selector(".reader-app.reader-theme-dark")
    shoot(page, f"voila-{width}x{height}-dark.png")
    student.app.locator(".reader-settings").get_by_label("Theme").select_option(label="High contrast")
    page.wait_for_selector(".reader-app.reader-theme-high-contrast")
    shoot(page, f"voila-{width}x{height}-high-contrast.png")
    student.app.locator(".reader-settings").get_by_label("Theme").select_option(label="Default")
    page.wait_for_selector(".reader-app.reader-theme-default")
    student.open_tab("Chronology")
    student.app.locator(".reader-chronology svg").scroll_into_view_if_needed()
    shoot(page, f"voila-{width}x{height}-chronology.png")
    page.evaluate("() => window.scrollTo(0, 0)")
    student.app.locator(".reader-nav").get_by_role("checkbox", name="Projector", exact=True).check()
    page.wait_for_selector(".reader-app.reader-projector")
    page.keyboard.press("ArrowRight")
    student.wait_for_position(3)
    shoot(page, f"voila-{width}x{height}-projector.png")
    page.context.close()


def lab_state(browser, server) -> None:
    page = offline_page(browser, {"width": 1366, "height": 768})
    open_start_notebook_and_run_all(page, server)
    student = ReaderPage(page)
    student.wait_for_position(1)
    page.locator(".reader-app").evaluate("element => element.scrollIntoView({block: 'start'})")
    shoot(page, "lab-1366x768-start.png")
    page.context.close()


def main() -> int:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    home = throwaway_home()
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            voila = start_voila(home)
            try:
                for width, height in ((1366, 768), (1920, 1080)):
                    voila_states(browser, voila, width, height)
            finally:
                voila.stop()
            lab = start_lab(home)
            try:
                lab_state(browser, lab)
            finally:
                lab.stop()
            browser.close()
    finally:
        remove_home(home)
    for shot, image in README_IMAGES.items():
        shutil.copyfile(SCREENSHOTS / shot, DOCS / image)
        print(f"wrote docs/{image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
