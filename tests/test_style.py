"""The code stays `ruff check` and `ruff format` clean (settings in pyproject.toml)."""

import shutil
import subprocess

from conftest import REPOSITORY

PATHS = ["src", "tests", "benchmarks", "scripts", "conftest.py"]


def ruff(*arguments):
    executable = shutil.which("ruff") or str(REPOSITORY / ".venv" / "bin" / "ruff")
    return subprocess.run([executable, *arguments, *PATHS], cwd=REPOSITORY, capture_output=True, text=True, timeout=120)


def test_ruff_check():
    result = ruff("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
