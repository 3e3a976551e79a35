"""``reader check`` and ``reader mentions``: a summary when valid, one line per problem when not, never a traceback."""

import subprocess
import sys

from reader.cli import main


def run_cli(*arguments, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "reader", *arguments], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_check_bundled_edition(tmp_path):
    result = run_cli("check", cwd=tmp_path)  # from any folder: the package finds its own data
    assert result.returncode == 0, result.stderr
    assert "Khrushchev's Purges & the Rise of Soviet Party Nomenklatura" in result.stdout
    for name in ("paragraphs", "entities", "mentions", "events", "notes", "claims", "sources"):
        assert name in result.stdout
    assert "paragraphs            11" in result.stdout
    assert len(result.stdout.splitlines()) <= 24, "one screen"


def test_check_broken_copy(table, edition_copy):
    table("entities").set(0, "kind", "persn").save()
    result = run_cli("check", str(edition_copy))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: entities.csv, line 2, column \"kind\": 'persn' is not allowed")
    assert lines[-1] == "not valid: 1 problem"


def test_check_missing_folder(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing")]) == 1
    assert "no such edition folder" in capsys.readouterr().err


def test_check_non_utf8(edition_copy):
    (edition_copy / "paragraphs.csv").write_bytes("paragraph,text\n1,Chruschtschow \u00fcber\n".encode("latin-1"))
    result = run_cli("check", str(edition_copy))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "paragraphs.csv, line 2, column 17: not UTF-8 (byte 0xfc)" in result.stderr


def test_mentions_regenerates_the_same_file(edition_copy):
    before = (edition_copy / "mentions.csv").read_text(encoding="utf-8")
    assert main(["mentions", str(edition_copy), "--write"]) == 0
    assert (edition_copy / "mentions.csv").read_text(encoding="utf-8") == before, "mentions.csv is up to date"


def test_version(capsys):
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("reader ")
