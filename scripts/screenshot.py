"""Take the README's screenshot of the reader in JupyterLab, in a real browser.

    .venv/bin/python scripts/screenshot.py            # writes docs/reader-in-jupyterlab.png

Needs Chromium (Debian: apt-get install chromium) and the test extra (playwright).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "browser"))

from harness import (  # noqa: E402
    CHROMIUM_FLAGS,
    REPOSITORY,
    chromium_path,
    open_start_notebook_and_run_all,
    remove_home,
    start_lab,
    throwaway_home,
)
from playwright.sync_api import sync_playwright  # noqa: E402

OUTPUT = REPOSITORY / "docs" / "reader-in-jupyterlab.png"


def main() -> int:
    home = throwaway_home()
    server = start_lab(home)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_start_notebook_and_run_all(page, server)
            page.locator(".reader-app").scroll_into_view_if_needed()
            page.locator(".reader-app button:text-is('Next ▶')").first.click()
            page.wait_for_selector(".reader-position:text('¶2 of 11')")
            page.locator(".reader-app").evaluate("element => element.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)
            OUTPUT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(OUTPUT))
            browser.close()
    finally:
        server.stop()
        remove_home(home)
    print(f"wrote {OUTPUT.relative_to(REPOSITORY)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
