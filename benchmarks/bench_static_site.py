"""The static site (`reader site`): its size, its build time, opening it (cold and warm) and a click, in Chromium.

    .venv/bin/python benchmarks/bench_static_site.py [--clicks 30]

- size: the whole site, against the platform alone in it (JupyterLite, Pyodide and the wheels the kernel needs:
  everything but the reader's wheel, its notebooks and its two pages);
- build: `reader site`, against JupyterLite's own build step within it;
- open → ¶1 on screen, cold (a new browser context: nothing cached) and warm (a reload in the same context), against
  a trivial one-button app served by the same site the same way (JupyterLite's REPL, code hidden), the two
  alternated;
- click Next → the new paragraph on screen in the site (the kernel runs in the page), against the same click in the
  Voilà app `reader app` serves (the kernel on a server on this machine).
The site is served by `python -m http.server`; every request off this machine is refused (none is expected).
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from bench_click import READER_APP, TRIVIAL_APP, clicks_in, notebook, run_in_voila
from common import REPOSITORY, main_guard, median, report

sys.path.insert(0, str(REPOSITORY / "tests" / "browser"))

from harness import SITE_READY_MS, launch_browser, offline_page, remove_home, start_static_site, throwaway_home  # noqa: E402

from reader.site.build import build_site  # noqa: E402

READER_TEXT = ".reader-paragraph .widget-html-content"
READER_BUTTON = ".reader-paragraph-reader button.jupyter-button:nth-child(3)"
TRIVIAL_TEXT = ".trivial-text .widget-html-content"
OPENINGS = 3


def trivial_url() -> str:
    return "/repl/index.html?kernel=python&hideCodeInput=1&showBanner=0&code=" + quote(TRIVIAL_APP, safe="")


def platform_bytes(site: Path) -> int:
    """The site without what the reader adds (its wheel, its notebooks, its two pages)."""
    own = [*(site / "static" / "pyodide").glob("soviet_reader-*.whl"), *(site / "files").rglob("*")]
    own += [site / "index.html", site / "notebooks.html"]
    total = sum(path.stat().st_size for path in site.rglob("*") if path.is_file())
    return total - sum(path.stat().st_size for path in own if path.is_file())


def open_time(browser, url: str, ready: str, warm: bool) -> float:
    """Seconds from navigation to ``ready`` on screen; warm: the second load in the same context (cache kept)."""
    page = offline_page(browser)
    try:
        if warm:
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_selector(ready, timeout=SITE_READY_MS)
        started = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector(ready, timeout=SITE_READY_MS)
        seconds = time.perf_counter() - started
        assert page.blocked == [], page.blocked
        return seconds
    finally:
        page.context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=30)
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-site-"))
    home = throwaway_home()
    try:
        started = time.perf_counter()
        summary = build_site(None, work / "site", log=lambda _line: None)
        build_seconds = time.perf_counter() - started
        results = [
            report(
                f"static site size ({summary.files} files)",
                summary.size_bytes,
                "JupyterLite + Pyodide + kernel wheels alone",
                platform_bytes(summary.folder),
                None,
                unit="MB",
                scale=1e-6,
            ),
            report(
                "reader site: build time",
                build_seconds,
                "JupyterLite's build step within it",
                summary.lite_build_seconds,
                None,
                unit="s",
                scale=1.0,
            ),
        ]
        server = start_static_site(summary.folder, home)
        try:
            with sync_playwright() as playwright:
                browser = launch_browser(playwright)
                for warm in (False, True):
                    label = "warm (reload)" if warm else "cold (new browser context)"
                    mine, base = [], []
                    for _ in range(OPENINGS):  # alternated, so that a change in the machine's load hits both
                        mine.append(open_time(browser, server.url("/"), READER_TEXT, warm))
                        base.append(open_time(browser, server.url(trivial_url()), TRIVIAL_TEXT, warm))
                    print(f"  {label}: reader {mine}, trivial {base}", flush=True)
                    results.append(
                        report(
                            f"open the site → ¶1 on screen, {label} (median of {OPENINGS})",
                            median(mine),
                            "trivial one-button app, same site",
                            median(base),
                            None,
                            unit="s",
                            scale=1.0,
                        )
                    )
                page = offline_page(browser)
                page.goto(server.url("/"), wait_until="domcontentloaded")
                in_site = clicks_in(page, READER_BUTTON, READER_TEXT, arguments.clicks)
                page.context.close()
                folder = Path(tempfile.mkdtemp(prefix="bench-site-voila-", dir=REPOSITORY / "test-artifacts"))
                try:
                    in_voila = run_in_voila(
                        browser,
                        notebook(READER_APP, folder / "reader.ipynb"),
                        READER_BUTTON,
                        READER_TEXT,
                        arguments.clicks,
                    )
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
                results.append(
                    report(
                        "click Next → new paragraph on screen, static site (median)",
                        median(in_site),
                        "the same click in the Voilà app (reader app)",
                        median(in_voila),
                        None,
                    )
                )
                browser.close()
        finally:
            server.stop()
        print(json.dumps(results))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        remove_home(home)


if __name__ == "__main__":
    main_guard(main)
