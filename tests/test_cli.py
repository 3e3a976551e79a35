"""The command line: a summary when valid, one line per problem when not, never a traceback; files written whole."""

import os
import stat
import subprocess
import sys

from reader import atomic_files
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
    assert len(result.stdout.splitlines()) <= 15 * result.stdout.count("valid: "), "one screen per edition"


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


def test_export_to_a_full_disk_names_the_file(tmp_path):
    result = run_cli("export", "-o", "/dev/full", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "error: cannot write /dev/full: No space left on device\n"


def test_export_to_a_missing_folder_names_the_file(tmp_path, capsys):
    target = tmp_path / "no-such-folder" / "handout.html"
    assert main(["export", "-o", str(target)]) == 1
    assert capsys.readouterr().err == f"error: cannot write {target}: No such file or directory\n"


def test_export_writes_the_handout_atomically(tmp_path, capsys):
    target = tmp_path / "handout.html"
    assert main(["export", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["handout.html"], "no temporary file left"
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask, "as any new file, not private like a temporary"
    assert f"wrote {target} (" in capsys.readouterr().out


def test_a_failed_mentions_write_leaves_the_file_whole(edition_copy, monkeypatch, capsys):
    mentions = edition_copy / "mentions.csv"
    before = mentions.read_bytes()
    mentions.write_bytes(before.replace(b"\n", b"\n\n", 1))  # out of date, so that --write changes it
    stale = mentions.read_bytes()

    def disk_full(*arguments):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_files.os, "fsync", disk_full)
    assert main(["mentions", str(edition_copy), "--write"]) == 1
    assert capsys.readouterr().err == f"error: cannot write {mentions}: No space left on device\n"
    assert mentions.read_bytes() == stale, "the old file is whole: not truncated, not half written"
    assert atomic_files.temporaries(mentions) == []
    monkeypatch.undo()
    mentions.chmod(0o640)
    assert main(["mentions", str(edition_copy), "--write"]) == 0
    assert mentions.read_bytes() == before
    assert stat.S_IMODE(mentions.stat().st_mode) == 0o640, "the file keeps its permissions"


def test_mentions_written_through_a_link(edition_copy, tmp_path):
    """As with notes: a linked mentions.csv stays a link, and the file it points to is replaced."""
    mentions = edition_copy / "mentions.csv"
    before = mentions.read_bytes()
    kept_elsewhere = tmp_path / "elsewhere" / "mentions.csv"
    kept_elsewhere.parent.mkdir()
    kept_elsewhere.write_bytes(b"paragraph,start,end,surface,entity_id\n")
    mentions.unlink()
    mentions.symlink_to(kept_elsewhere)
    assert main(["mentions", str(edition_copy), "--write"]) == 0
    assert mentions.is_symlink()
    assert kept_elsewhere.read_bytes() == before
    assert sorted(path.name for path in kept_elsewhere.parent.iterdir()) == ["mentions.csv"]


def test_check_of_a_bare_folder_lists_every_missing_file_at_once(tmp_path):
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 1
    missing = [line for line in result.stderr.splitlines() if ": missing from " in line]
    assert len(missing) == 9  # eight tables and edition.yaml, in one run (references.csv is optional)
    assert result.stderr.splitlines()[-1] == "not valid: 9 problems"


def test_new_makes_an_edition_that_check_guides_to_validity(tmp_path):
    text = tmp_path / "memo.txt"
    text.write_text("First paragraph,\nwrapped.\n\nSecond paragraph.\n", encoding="utf-8")
    folder = tmp_path / "memo"
    assert main(["new", str(text), "--title", "A memo", str(folder)]) == 0
    assert (folder / "paragraphs.csv").read_text(encoding="utf-8") == (
        'paragraph,text\n1,"First paragraph, wrapped."\n2,Second paragraph.\n'
    )
    result = run_cli("check", str(folder))
    assert result.returncode == 1
    assert [line.split(": key ")[1].split(" ")[0] for line in result.stderr.splitlines()[:-1]] == [
        "'provenance'",
        "'rights.status'",
        "'rights.holder'",
    ]
    yaml_path = folder / "edition.yaml"
    yaml_path.write_text(
        yaml_path.read_text(encoding="utf-8")
        .replace("provenance: ''", "provenance: a test")
        .replace("status: ''", "status: public domain")
        .replace("holder: ''", "holder: nobody"),
        encoding="utf-8",
    )
    assert run_cli("check", str(folder)).returncode == 0


def test_new_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    (tmp_path / "text.txt").write_text("A text.\n", encoding="utf-8")
    assert main(["new", str(tmp_path / "text.txt"), "--title", "T", str(tmp_path)]) == 1
    assert "exists and is not empty" in capsys.readouterr().err


def test_source_text_is_checked_against_the_paragraphs(table, edition_copy):
    table("paragraphs").set(3, "text", table("paragraphs").get(3, "text") + " An added sentence.").save()
    result = run_cli("check", str(edition_copy))
    assert result.returncode == 1
    assert 'error: paragraphs.csv, line 5, column "text": ¶4 is not in source.txt; expected' in result.stderr


def test_editions_lists_every_edition_of_the_index(capsys):
    assert main(["editions"]) == 0
    shown = capsys.readouterr().out
    assert "khrushchevs-purges (default)" in shown and "frus-1957-circular-telegram" in shown


def test_check_without_argument_checks_every_listed_edition(tmp_path):
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("valid: every file") == 2
    assert "Circular Telegram From the Department of State" in result.stdout
