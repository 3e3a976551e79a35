"""Click "Next" → the new paragraph on screen, in real Chromium, in JupyterLab and in Voilà, against the same
click in a trivial one-button app that swaps one HTML value.

    .venv/bin/python benchmarks/bench_click.py [--clicks 30]

The time is taken in the page: from just before the click to the first animation frame in which the new text is
in the DOM (a MutationObserver fires, then requestAnimationFrame). Clicks are PAUSE_MS apart, a student's pace:
back to back, every click here waited about 40 ms more whatever the app (kernel and websocket batching), a floor
that hid the difference between the apps. Voilà runs with the settings `reader app` ships (IPC kernels).
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import nbformat
from common import REPOSITORY, main_guard, median, report

sys.path.insert(0, str(REPOSITORY / "tests" / "browser"))

from harness import (  # noqa: E402
    Server,
    free_port,
    launch_browser,
    offline_page,
    remove_home,
    start_lab,
    throwaway_home,
)

from reader.app_server import app_notebook_path, voila_command  # noqa: E402

TRIVIAL_APP = """import ipywidgets as widgets
texts = [f"<p>paragraph {number} " + "word " * 80 + "</p>" for number in range(1, 12)]
view = widgets.HTML(texts[0])
view.add_class("trivial-text")
button = widgets.Button(description="Next ▶")
state = {"number": 0}
def step(_button):
    state["number"] = (state["number"] + 1) % len(texts)
    view.value = texts[state["number"]]
button.on_click(step)
widgets.VBox([button, view])"""
READER_APP = "import reader\nreader.open()"
PAUSE_MS = 300
RESET = ".reader-nav button.jupyter-button:nth-child(1)"  # "First"; the trivial app never needs it

MEASURE_CLICK = """async ([buttonSelector, textSelector, resetSelector]) => {
    if (document.querySelector(buttonSelector).disabled) {  // at the last paragraph: back to the first, unmeasured
        document.querySelector(resetSelector).click();
        await new Promise(resolve => setTimeout(resolve, 500));
    }
    const target = document.querySelector(textSelector);
    const before = target.innerHTML;
    const changed = new Promise(resolve => {
        const observer = new MutationObserver(() => {
            if (document.querySelector(textSelector).innerHTML !== before) {
                observer.disconnect();
                requestAnimationFrame(() => resolve(performance.now()));
            }
        });
        observer.observe(document.body, {subtree: true, childList: true, characterData: true});
        setTimeout(() => { observer.disconnect(); resolve(NaN); }, 10000);
    });
    const start = performance.now();
    document.querySelector(buttonSelector).click();
    return (await changed) - start;
}"""


def notebook(code: str, path: Path) -> Path:
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    book.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(book, path)
    return path


def clicks_in(page, button: str, text: str, count: int) -> list[float]:
    print(f"  measuring {button!r} → {text!r}", flush=True)
    page.wait_for_selector(text, timeout=90_000)
    for _ in range(3):
        page.evaluate(MEASURE_CLICK, [button, text, RESET])  # warm up
    times = []
    for _ in range(count):
        page.wait_for_timeout(PAUSE_MS)  # clicks a student's pace apart, not back to back
        times.append(page.evaluate(MEASURE_CLICK, [button, text, RESET]) / 1000)
    measured = [value for value in times if value == value]  # NaN: no change within 10 s
    if len(measured) < len(times):
        print(f"  {len(times) - len(measured)} of {len(times)} clicks changed nothing within 10 s", flush=True)
    return measured


def run_in_lab(browser, folder: Path, notebook_name: str, button: str, text: str, count: int) -> list[float]:
    home = throwaway_home()
    server = start_lab(home)
    try:
        page = offline_page(browser)
        relative = (folder / notebook_name).relative_to(REPOSITORY)
        page.goto(server.url(f"/lab/tree/{relative}"), wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        for _ in range(3):
            page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
            page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()
            try:
                page.wait_for_selector(text, timeout=30_000)
                break
            except Exception:
                continue
        return clicks_in(page, button, text, count)
    finally:
        server.stop()
        remove_home(home)


def run_in_voila(browser, path: Path, button: str, text: str, count: int) -> list[float]:
    home = throwaway_home()
    port = free_port()
    command = voila_command(port=port, open_browser=False)  # the settings `reader app` ships (IPC kernels)
    command[command.index(app_notebook_path())] = str(path)
    server = Server(command, port, "", home, "/voila/static/voila.js")
    try:
        page = offline_page(browser)
        page.goto(server.url("/"), wait_until="domcontentloaded")
        return clicks_in(page, button, text, count)
    finally:
        server.stop()
        remove_home(home)


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=30)
    arguments = parser.parse_args()
    # Inside the repository (JupyterLab serves it) but in a git-ignored folder, which linters skip too.
    (REPOSITORY / "test-artifacts").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-click-", dir=REPOSITORY / "test-artifacts"))
    try:
        trivial = notebook(TRIVIAL_APP, folder / "trivial.ipynb")
        reader_app = notebook(READER_APP, folder / "reader.ipynb")
        trivial_button, trivial_text = "button.jupyter-button", ".trivial-text .widget-html-content"
        reader_button = ".reader-nav button.jupyter-button:nth-child(3)"
        reader_text = ".reader-paragraph .widget-html-content"
        results = []
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            for where, run in (("JupyterLab", run_in_lab), ("Voilà", run_in_voila)):
                if run is run_in_lab:
                    base = run(browser, folder, "trivial.ipynb", trivial_button, trivial_text, arguments.clicks)
                    mine = run(browser, folder, "reader.ipynb", reader_button, reader_text, arguments.clicks)
                else:
                    base = run(browser, trivial, trivial_button, trivial_text, arguments.clicks)
                    mine = run(browser, reader_app, reader_button, reader_text, arguments.clicks)
                results.append(
                    report(
                        f"click Next → new paragraph on screen, {where} (median)",
                        median(mine),
                        "trivial one-button app",
                        median(base),
                        1.2,
                    )
                )
            browser.close()
        print(json.dumps(results))
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main_guard(main)
