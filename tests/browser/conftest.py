"""Fixtures for the browser tests: Chromium (required in CI), servers in throw-away homes, screenshot folder.

Every test fails if a page it opened tried to reach anything but this machine (a CDN, a font, an analytics call):
students' browsers should contact nothing but the class's server.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import LEFT_THE_MACHINE, REPOSITORY, UI_WAIT_MS, chromium_path, launch_browser, remove_home, throwaway_home
from playwright.sync_api import expect

SCREENSHOTS = REPOSITORY / "test-artifacts" / "screenshots"
AXE_DIRECTORY = REPOSITORY / ".cache" / "axe-core"
AXE_VERSION = "4.14.1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


expect.set_options(timeout=UI_WAIT_MS)


@pytest.fixture(autouse=True)
def nothing_leaves_the_machine():
    """Fail the test (at teardown) if any of its pages sent a request off this machine (they were refused)."""
    LEFT_THE_MACHINE.clear()
    yield
    left = list(LEFT_THE_MACHINE)
    LEFT_THE_MACHINE.clear()
    assert left == [], f"requests that left the machine: {left}"


@pytest.fixture(scope="session")
def browser():
    if chromium_path() is None:
        message = "Chromium is not installed (Debian: apt-get install chromium); ./run-tests installs it as root"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests never skip in CI: {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Key states of every browser test, as PNG files: test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def axe_source() -> Path:
    """axe-core from the npm registry, installed once into .cache/axe-core."""
    script = AXE_DIRECTORY / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        if shutil.which("npm") is None:
            if os.environ.get("CI"):
                pytest.fail("npm is needed to install axe-core")
            pytest.skip("npm is not installed")
        AXE_DIRECTORY.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIRECTORY),
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            timeout=300,
        )
    return script


@pytest.fixture
def home():
    folder = throwaway_home()
    yield folder
    remove_home(folder)


@pytest.fixture(scope="module")
def module_home():
    folder = throwaway_home()
    yield folder
    remove_home(folder)
