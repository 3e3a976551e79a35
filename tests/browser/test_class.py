"""A class on one machine (`reader app --class`): two students and the teacher in three browser contexts.

A's note and judgement never reach B's page; the teacher's view shows both judgements without a click (it polls);
the teacher reveals a claim and A, who judged it, sees the class's distribution; A's personal link brings A's work
back in a new page (a new kernel); export and clear work; axe finds nothing serious in the class's views.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from harness import PAGE_READY_MS, UI_WAIT_MS, free_port, offline_page, wait_for_frames
from playwright.sync_api import expect
from reader_page import ReaderPage
from test_accessibility import assert_accessible, run_axe

import reader

START_SECONDS = 120


@pytest.fixture(scope="module")
def class_app(module_home):
    """``reader app --class`` in a throw-away home; its printed links and code; stopped with its service."""
    port = free_port()
    environment = {
        **os.environ,
        "HOME": str(module_home),
        "JUPYTER_CONFIG_DIR": str(module_home / "config"),
        "JUPYTER_DATA_DIR": str(module_home / "data"),
        "JUPYTER_RUNTIME_DIR": str(module_home / "runtime"),
        "READER_NOTES_DIR": str(module_home / "reader-notes"),
        "READER_CLASS_DIR": str(module_home / "reader-class"),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = module_home / "class-app.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "reader", "app", "--class", "--no-browser", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        printed = wait_for_links(log_path, server)
        wait_until_served(f"http://127.0.0.1:{port}/voila/static/voila.js", server, log_path)
        yield {**printed, "port": port, "home": module_home}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def wait_for_links(log_path, server) -> dict:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        text = log_path.read_text()
        teacher = re.search(r"teacher \(keep it to yourself\): (\S+)", text)
        if teacher:
            return {
                "student_url": re.search(r"students open: (\S+)", text).group(1),
                "code": re.search(r"class code: +(\S+)", text).group(1),
                "teacher_url": teacher.group(1),
            }
        if server.poll() is not None:
            raise AssertionError(f"reader app --class stopped: {text}")
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=0.5)
    raise AssertionError(f"no links printed: {log_path.read_text()}")


def wait_until_served(url: str, server, log_path) -> None:
    import urllib.request

    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=30) as response:
            if response.status == 200:
                return
        if server.poll() is not None:
            raise AssertionError(f"reader app --class stopped: {log_path.read_text()}")
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=0.5)
    raise AssertionError(f"Voilà not ready: {log_path.read_text()}")


def join(page, class_app, name: str) -> ReaderPage:
    page.goto(class_app["student_url"], wait_until="domcontentloaded")
    join_view = page.locator(".reader-join")
    join_view.wait_for(timeout=PAGE_READY_MS)
    join_view.get_by_label("Your name or pseudonym").fill(name)
    join_view.get_by_label("Class code").fill(class_app["code"].lower())  # as a student may type it
    join_view.get_by_label("Class code").press("Tab")
    join_view.locator("button.jupyter-button:text-is('Join the class')").click()
    page.wait_for_selector(".reader-app .reader-paragraph .reader-text", timeout=PAGE_READY_MS)
    return ReaderPage(page)


def judge(student: ReaderPage, verdict: str, reason: str) -> None:
    claims = student.app.locator(".reader-claims")
    claims.locator(f"label:has-text('{verdict}') input").check()
    claims.locator("textarea").fill(reason)
    claims.locator("textarea").press("Tab")
    student.click("Record my judgement", ".reader-claims")
    expect(claims.locator(".reader-own-judgement")).to_contain_text(verdict)


def test_two_students_and_the_teacher(class_app, browser, axe_source, screenshots):
    edition = reader.load()
    claimed = next(paragraph for paragraph in edition.all_paragraphs() if paragraph.claims)
    claim = claimed.claims[0]
    page_a, page_b, page_teacher = offline_page(browser), offline_page(browser), offline_page(browser)

    # A joins, writes a note and judges the first claim
    page_a.goto(class_app["student_url"], wait_until="domcontentloaded")
    page_a.locator(".reader-join").wait_for(timeout=PAGE_READY_MS)
    page_a.screenshot(path=str(screenshots / "class-01-join.png"))
    anna = join(page_a, class_app, "Anna <b>K</b>")
    personal_link = page_a.locator(".reader-personal-link").get_attribute("href")
    assert re.fullmatch(rf"http://127\.0\.0\.1:{class_app['port']}/\?student=[\w-]+", personal_link)
    anna.jump_to(claimed.number)
    anna.note_field().fill("Anna's private note")
    anna.note_field().press("Tab")
    anna.app.locator(".reader-notes-panel .reader-saved:has-text('Saved to the class')").wait_for(timeout=UI_WAIT_MS)
    assert str(class_app["home"]) not in anna.app.locator(".reader-notes-panel").inner_text(), "no server path"
    judge(anna, "wrong", "A reason of her own")

    # the teacher sees one judgement, and the second arrive without a click
    page_teacher.goto(class_app["teacher_url"], wait_until="domcontentloaded")
    teacher = page_teacher.locator(".reader-teacher-view")
    teacher.wait_for(timeout=PAGE_READY_MS)
    code = class_app["code"]
    expect(teacher.locator(".reader-class-code")).to_have_text(f"{code[:4]} {code[4:]}")
    first_claim = teacher.locator(".reader-summary-claim").first
    expect(first_claim.locator("td.reader-count")).to_have_text("1")
    assert "Anna <b>K</b>" not in teacher.inner_text(), "names hidden by default"

    # B joins: nothing of A's
    boris = join(page_b, class_app, "Boris")
    boris.jump_to(claimed.number)
    expect(boris.note_field()).to_have_value("")
    claims_b = boris.app.locator(".reader-claims")
    assert "verdict hidden" in claims_b.inner_text(), "judge first holds for B"
    assert "Anna" not in page_b.locator("body").inner_text()
    judge(boris, "supported", "as the record says")
    expect(first_claim.locator("td.reader-count")).to_have_text("2", timeout=PAGE_READY_MS)  # polled: no click
    expect(first_claim).to_contain_text("✓ supported 1 · ? doubtful 0 · ✗ wrong 1 · … opinion 0")
    assert "Anna" not in page_b.locator("body").inner_text()
    expect(boris.app.locator(".reader-class-distribution")).to_contain_text("not shown yet")

    # the teacher reveals the claim: A (who judged it) sees the class's judgements
    teacher.locator("button.jupyter-button:text-is('Show this claim’s results to students')").click()
    expect(first_claim.locator("td").last).to_have_text("shown")
    anna.click("See the class’s judgements")
    distribution = anna.app.locator(".reader-class-distribution .reader-distribution")
    expect(distribution).to_contain_text("(2 students)")
    expect(distribution).to_contain_text(claim.verdict)
    page_a.screenshot(path=str(screenshots / "class-02-student-distribution.png"), full_page=True)
    teacher.get_by_label("Show students’ names (not while projecting)").check()
    expect(teacher.locator(".reader-reasons")).to_contain_text("Anna <b>K</b>")  # shown literally
    page_teacher.screenshot(path=str(screenshots / "class-03-teacher.png"), full_page=True)
    teacher.get_by_label("Show students’ names (not while projecting)").uncheck()
    expect(teacher.locator(".reader-reasons")).not_to_contain_text("Anna")

    assert_accessible(run_axe(page_teacher, axe_source))
    assert_accessible(run_axe(page_a, axe_source))

    # A's personal link, in a new page (a new kernel): A's work is there
    page_a.goto(personal_link, wait_until="domcontentloaded")
    page_a.wait_for_selector(".reader-app .reader-paragraph .reader-text", timeout=PAGE_READY_MS)
    again = ReaderPage(page_a)
    again.jump_to(claimed.number)
    expect(again.note_field()).to_have_value("Anna's private note")
    expect(again.app.locator(".reader-claims .reader-own-judgement")).to_contain_text("wrong")

    # export, then clear (after the confirmation)
    teacher.locator("button.jupyter-button:text-is('Export the results (CSV)')").click()
    expect(teacher.locator("a.reader-download")).to_contain_text(".csv")
    exports = list((class_app["home"] / "reader-class" / edition.name / "exports").glob("*.csv"))
    assert len(exports) == 1 and "A reason of her own" in exports[0].read_text(encoding="utf-8")
    teacher.locator("button.jupyter-button:text-is('Clear the class …')").click()
    teacher.locator("button.jupyter-button:text-is('Yes, delete everything')").click()
    expect(teacher.locator(".reader-class-banner")).to_contain_text("0 students joined")
    wait_for_frames(page_teacher)
    for page in (page_a, page_b, page_teacher):
        page.context.close()
