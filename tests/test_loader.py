"""Broken copies of the bundled edition: each raises EditionError with one line naming file, line and column."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import reader
from reader import EditionError

REPOSITORY = Path(__file__).resolve().parent.parent


def load_error(folder) -> EditionError:
    with pytest.raises(EditionError) as caught:
        reader.load(folder)
    message = str(caught.value)
    assert "\n" not in message, "an error for people is one line"
    assert "Traceback" not in message
    return caught.value


def expect(folder, pattern: str) -> None:
    message = str(load_error(folder))
    assert re.search(pattern, message), f"{pattern!r} not in {message!r}"


# --- files -------------------------------------------------------------------------------------------------


def test_missing_edition_folder(tmp_path):
    expect(tmp_path / "nowhere", r"nowhere: no such edition folder")


@pytest.mark.parametrize("name", ["paragraphs", "entities", "mentions", "events", "notes", "claims", "sources"])
def test_missing_required_file(edition_copy, name):
    (edition_copy / f"{name}.csv").unlink()
    expect(edition_copy, rf"^{name}\.csv: missing from .*; expected a CSV file with columns ")


def test_missing_edition_yaml(edition_copy):
    (edition_copy / "edition.yaml").unlink()
    expect(edition_copy, r"^edition\.yaml: missing from .*; expected the edition's YAML description")


def test_edition_yaml_that_is_not_yaml(edition_copy):
    (edition_copy / "edition.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    expect(edition_copy, r"^edition\.yaml, line 2, column 1: .*; expected valid YAML")


def test_edition_yaml_without_title(edition_copy):
    metadata = yaml.safe_load((edition_copy / "edition.yaml").read_text(encoding="utf-8"))
    metadata.pop("title")
    (edition_copy / "edition.yaml").write_text(yaml.safe_dump(metadata), encoding="utf-8")
    expect(edition_copy, r"^edition\.yaml, line 1, column 1: key 'title' is missing or empty; expected text")


def test_file_that_is_not_utf8(edition_copy):
    path = edition_copy / "entities.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"a", "\u00e4".encode("latin-1"), 1)
    path.write_bytes(b"\n".join(lines))
    expect(edition_copy, r"^entities\.csv, line 4, column \d+: not UTF-8 \(byte 0xe4\); expected a file saved as UTF-8")


def test_empty_file(edition_copy):
    (edition_copy / "notes.csv").write_text("", encoding="utf-8")
    expect(edition_copy, r"^notes\.csv: empty file; expected a header line with columns note_id, paragraph")


# --- columns and cells -------------------------------------------------------------------------------------


def test_missing_column(table, edition_copy):
    paragraphs = table("paragraphs")
    paragraphs.header[1] = "txt"
    paragraphs.save()
    expect(edition_copy, r'^paragraphs\.csv, line 1: column "text" is missing; expected columns paragraph, text')


def test_unknown_column(table, edition_copy):
    sources = table("sources")
    sources.header.append("comment")
    sources.rows = [row + [""] for row in sources.rows]
    sources.save()
    expect(edition_copy, r'^sources\.csv, line 1: column "comment" is not known; expected columns source_id,')


def test_row_with_too_many_cells(table, edition_copy):
    events = table("events")
    events.rows[2].append("stray")
    events.save()
    expect(edition_copy, r"^events\.csv, line 4: 11 cells; expected 10 \(a comma inside a value needs")


def test_unterminated_quote_is_reported_where_it_starts(edition_copy):
    path = edition_copy / "claims.csv"
    text = path.read_text(encoding="utf-8")
    start_line = text.count("\n") + 1
    path.write_text(text + 'c99-1,1,"never closed\nmore,lines\nafter,it\n', encoding="utf-8")
    expect(
        edition_copy,
        rf"^claims\.csv, line {start_line}, column 9: a quoted value starts here and is never closed; "
        r"expected a closing double quote \(\"\)",
    )


def test_empty_paragraph(table, edition_copy):
    table("paragraphs").set(4, "text", "   ").save()
    expect(edition_copy, r'^paragraphs\.csv, line 6, column "text": empty; expected some text')


def test_paragraphs_out_of_order(table, edition_copy):
    table("paragraphs").set(2, "paragraph", "12").save()
    expect(
        edition_copy,
        r'^paragraphs\.csv, line 4, column "paragraph": 12; expected 3 \(paragraphs are numbered',
    )


def test_paragraph_twice(table, edition_copy):
    table("paragraphs").set(2, "paragraph", "4").save()
    expect(edition_copy, r'^paragraphs\.csv, line 5, column "paragraph": 4 is used twice; expected each id once')


def test_paragraph_number_not_a_number(table, edition_copy):
    table("paragraphs").set(0, "paragraph", "one").save()
    expect(
        edition_copy, r"^paragraphs\.csv, line 2, column \"paragraph\": 'one' is not a whole number written in digits"
    )


def test_unknown_entity_kind(table, edition_copy):
    table("entities").set(0, "kind", "persn").save()
    expect(
        edition_copy,
        r"^entities\.csv, line 2, column \"kind\": 'persn' is not allowed; expected one of "
        r"'person', 'body', 'office', 'place', 'concept', 'event'",
    )


def test_id_with_capitals(table, edition_copy):
    table("sources").set(0, "source_id", "Wikipedia Page").save()
    expect(edition_copy, r"^sources\.csv, line 2, column \"source_id\": 'Wikipedia Page' is not a valid id")


def test_duplicate_id(table, edition_copy):
    entities = table("entities")
    entities.set(1, "entity_id", entities.get(0, "entity_id")).save()
    expect(
        edition_copy,
        rf"^entities\.csv, line 3, column \"entity_id\": '{entities.get(0, 'entity_id')}' is used "
        "twice; expected each id once",
    )


def test_dangling_entity_id(table, edition_copy):
    table("roles").set(0, "entity_id", "nobody").save()
    expect(edition_copy, r"^roles\.csv, line 2, column \"entity_id\": 'nobody' is not an id in entities\.csv")


def test_dangling_source_id(table, edition_copy):
    table("entities").set(0, "source_ids", "no-such-source").save()
    expect(
        edition_copy,
        r"^entities\.csv, line 2, column \"source_ids\": 'no-such-source' is not an id in "
        r"sources\.csv or references\.csv",
    )


def test_source_list_with_empty_item(table, edition_copy):
    entities = table("entities")
    entities.set(0, "source_ids", entities.get(0, "source_ids") + ";").save()
    expect(edition_copy, r"^entities\.csv, line 2, column \"source_ids\": .* has an empty item")


def test_reference_id_that_is_also_a_source_id(table, edition_copy):
    references = table("references")
    references.set(0, "reference_id", table("sources").get(0, "source_id")).save()
    expect(edition_copy, r"^references\.csv, line 2, column \"reference_id\": .* is also a source id")


def test_unsafe_url(table, edition_copy):
    table("sources").set(0, "url", "javascript:alert(1)").save()
    expect(edition_copy, r"^sources\.csv, line 2, column \"url\": 'javascript:alert\(1\)' is not a web address")


def test_bad_wikidata_id(table, edition_copy):
    table("entities").set(0, "wikidata", "Q-12").save()
    expect(edition_copy, r"^entities\.csv, line 2, column \"wikidata\": 'Q-12' is not a Wikidata id")


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("29/06/1957", "is not a date"),
        ("1957-13", "has no month 13"),
        ("1957-02-30", "is not a day of that month"),
        ("June 1957", "is not a date"),
    ],
)
def test_bad_event_date(table, edition_copy, value, problem):
    table("events").set(0, "start", value).save()
    expect(
        edition_copy,
        rf"^events\.csv, line 2, column \"start\": '{value}' {problem}; expected an ISO 8601 date",
    )


def test_event_without_date(table, edition_copy):
    table("events").set(0, "start", "").save()
    expect(edition_copy, r'^events\.csv, line 2, column "start": empty; expected an ISO 8601 date')


def test_end_before_start(table, edition_copy):
    events = table("events")
    events.set(0, "start", "1960-05-02").set(0, "end", "1960-05-01").save()
    expect(edition_copy, r'^events\.csv, line 2, column "end": 1960-05-01 is before start 1960-05-02')


# --- values tied to the text ---------------------------------------------------------------------------


def test_unknown_theme(table, edition_copy):
    table("events").set(0, "theme", "economics").save()
    expect(edition_copy, r"^events\.csv, line 2, column \"theme\": 'economics' is not allowed; expected one of")


def test_event_paragraph_list_that_is_not_numbers(table, edition_copy):
    table("events").set(0, "paragraphs", "5;x").save()
    expect(edition_copy, r"^events\.csv, line 2, column \"paragraphs\": '5;x' is not a list of paragraph numbers")


def test_note_on_a_paragraph_that_does_not_exist(table, edition_copy):
    table("notes").set(0, "paragraph", "12").save()
    expect(
        edition_copy,
        r'^notes\.csv, line 2, column "paragraph": paragraph 12 does not exist; expected a number '
        r"from 1 to 11",
    )


def test_note_anchor_not_in_paragraph(table, edition_copy):
    table("notes").set(0, "anchor", "words the essay never wrote").save()
    expect(
        edition_copy,
        r"^notes\.csv, line 2, column \"anchor\": 'words the essay never wrote' is not in ¶\d+; "
        "expected words copied exactly",
    )


def test_sic_note_without_reading(table, edition_copy):
    notes = table("notes")
    index = [notes.get(row, "kind") for row in range(len(notes.rows))].index("sic")
    notes.set(index, "reading", "").save()
    expect(edition_copy, rf'^notes\.csv, line {index + 2}, column "reading": empty; expected the reading')


def test_claim_quote_silently_corrected(table, edition_copy):
    claims = table("claims")
    claims.set(0, "quote", claims.get(0, "quote").replace("e", "é", 1)).save()
    expect(
        edition_copy,
        r'^claims\.csv, line 2, column "quote": .* is not in ¶\d+; expected words copied exactly',
    )


def test_unknown_verdict(table, edition_copy):
    table("claims").set(0, "verdict", "true").save()
    expect(
        edition_copy,
        r"^claims\.csv, line 2, column \"verdict\": 'true' is not allowed; expected one of "
        r"'supported', 'partly supported'",
    )


def test_unknown_claim_type(table, edition_copy):
    table("claims").set(0, "claim_type", "fact").save()
    expect(edition_copy, r"^claims\.csv, line 2, column \"claim_type\": 'fact' is not allowed")


def test_essay_wording_not_in_its_paragraphs(table, edition_copy):
    events = table("events")
    index = next(row for row in range(len(events.rows)) if events.get(row, "essay_wording"))
    events.set(index, "essay_wording", "In 1066").save()
    expect(
        edition_copy,
        rf"^events\.csv, line {index + 2}, column \"essay_wording\": 'In 1066' is not in the "
        "paragraphs of this event",
    )


def test_mention_that_does_not_match_the_text(table, edition_copy):
    mentions = table("mentions")
    mentions.set(0, "start", str(int(mentions.get(0, "start")) + 1))
    mentions.set(0, "end", str(int(mentions.get(0, "end")) + 1)).save()
    expect(edition_copy, r'^mentions\.csv, line 2, column "surface": .* does not match the text at \d+–\d+ of ¶1')


def test_mention_outside_the_paragraph(table, edition_copy):
    table("mentions").set(0, "end", "100000").save()
    expect(edition_copy, r'^mentions\.csv, line 2, column "end": \d+–100000 is outside ¶1')


def test_mention_of_the_wrong_card(table, edition_copy):
    mentions = table("mentions")
    other = next(
        row for row in range(len(mentions.rows)) if mentions.get(row, "entity_id") != mentions.get(0, "entity_id")
    )
    mentions.set(0, "entity_id", mentions.get(other, "entity_id")).save()
    expect(edition_copy, r'^mentions\.csv, line 2, column "surface": .* is not an alias of ')


def test_mention_missing(table, edition_copy):
    mentions = table("mentions")
    removed = mentions.rows.pop(3)
    mentions.save()
    expect(
        edition_copy,
        rf"^mentions\.csv: '{re.escape(removed[3])}' in ¶{removed[0]} at {removed[1]} "
        r"\(.*\) has no row; expected every mention listed \(run: reader mentions --write\)",
    )


def test_alias_not_in_text(table, edition_copy):
    entities = table("entities")
    entities.set(0, "aliases", "Khruschov").save()
    expect(edition_copy, r"^entities\.csv, line 2, column \"aliases\": 'Khruschov' does not occur in the text")


def test_alias_on_two_cards(table, edition_copy):
    entities = table("entities")
    with_aliases = [row for row in range(len(entities.rows)) if entities.get(row, "aliases")]
    first, second = with_aliases[:2]
    entities.set(second, "aliases", entities.get(first, "aliases")).save()
    expect(edition_copy, rf"^entities\.csv, line {second + 2}, column \"aliases\": .* is also an alias of")


def test_presidium_member_who_is_not_a_person(table, edition_copy):
    entities = table("entities")
    body = next(
        entities.get(row, "entity_id") for row in range(len(entities.rows)) if entities.get(row, "kind") == "body"
    )
    table("presidium").set(0, "entity_id", body).save()
    expect(
        edition_copy,
        rf"^presidium\.csv, line 2, column \"entity_id\": '{body}' is a body; expected the id of a "
        "person",
    )


def test_presidium_unknown_stance(table, edition_copy):
    table("presidium").set(0, "stance", "maybe").save()
    expect(edition_copy, r"^presidium\.csv, line 2, column \"stance\": 'maybe' is not allowed")


# --- the quoted document ---------------------------------------------------------------------------------


def _rewrite_excerpt(folder, change):
    path = folder / "excerpt.yaml"
    excerpt = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(excerpt)
    path.write_text(yaml.safe_dump(excerpt, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_excerpt_quotation_silently_corrected(edition_copy):
    _rewrite_excerpt(edition_copy, lambda excerpt: excerpt.update(quotation=excerpt["quotation"] + "!"))
    expect(
        edition_copy, r"^excerpt\.yaml, line 1, column 12: key 'quotation': .* is not in ¶2; expected the words exactly"
    )


def test_excerpt_unknown_verification_status(edition_copy):
    _rewrite_excerpt(edition_copy, lambda excerpt: excerpt["verification"][0].update(status="probably"))
    expect(
        edition_copy,
        r"^excerpt\.yaml, line \d+, column \d+: key 'verification\[1\]\.status': 'probably' is not allowed; "
        "expected one of 'verified', 'not verified', 'contradicted'",
    )


def test_excerpt_unknown_source(edition_copy):
    _rewrite_excerpt(edition_copy, lambda excerpt: excerpt["verification"][0].update(source_ids=["made-up"]))
    expect(
        edition_copy,
        r"^excerpt\.yaml, line \d+, column \d+: key 'verification\[1\]\.source_ids\[1\]': source 'made-up' is not "
        r"an id in sources\.csv",
    )


def test_every_problem_is_collected(table, edition_copy):
    entities = table("entities")
    entities.set(0, "kind", "persn").set(1, "kind", "bdy").save()
    error = load_error(edition_copy)
    assert len(error.problems) == 2
    assert str(error).endswith("(and 1 more problem)")


# --- the cache of validated editions ----------------------------------------------------------------------


def test_a_valid_edition_is_cached_and_any_edit_is_validated_again(edition_copy, table, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = reader.load(edition_copy)
    assert first._tables is not None, "a validated edition holds its DataFrames"
    again = reader.load(edition_copy)
    assert again._tables is None, "the second load comes from the cache (its DataFrames stay on disk until used)"
    assert again.counts() == first.counts()
    table("entities").set(0, "kind", "persn").save()
    expect(edition_copy, r"^entities\.csv, line 2, column \"kind\": 'persn' is not allowed")


def test_the_cache_can_be_turned_off(edition_copy, monkeypatch, tmp_path):
    from reader import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("READER_CACHE", "0")
    reader.load(edition_copy)
    assert not (tmp_path / "cache").exists()
    monkeypatch.setenv("READER_CACHE", "1")
    reader.load(edition_copy)
    assert sorted(path.name.count(".") for path in cache.cache_folder().glob("*.pickle")) == [1, 2], (
        "the model and, apart, its DataFrames"
    )


def test_an_unreadable_cache_file_is_ignored(edition_copy, monkeypatch, tmp_path):
    from reader import __version__, cache
    from reader.schema import edition_file_names

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    reader.load(edition_copy)
    key = cache.edition_key(edition_copy, __version__, edition_file_names())
    (cache.cache_folder() / f"{key}.pickle").write_bytes(b"garbage")
    assert reader.load(edition_copy).paragraph_count == 11


def test_a_cached_edition_gives_back_the_same_dataframes(edition_copy, monkeypatch, tmp_path):
    import pandas.testing

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = reader.load(edition_copy)
    cached = reader.load(edition_copy)
    assert cached._tables is None, "the DataFrames stay on disk until they are used"
    for name, frame in first.tables.items():
        if frame is None:
            assert cached.tables[name] is None
        else:
            pandas.testing.assert_frame_equal(cached.tables[name], frame)
    assert cached.counts() == first.counts()


def test_cached_dataframes_that_are_gone_are_read_and_checked_again(edition_copy, monkeypatch, tmp_path, table):
    from reader import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    reader.load(edition_copy)
    cached = reader.load(edition_copy)
    (cache.cache_folder() / f"{cached.tables_key}.pickle").unlink()
    assert list(cached.entities["entity_id"]) == list(reader.load(edition_copy).entities["entity_id"])
    again = reader.load(edition_copy)
    table("entities").set(0, "kind", "persn").save()
    with pytest.raises(EditionError, match="persn"):
        again.entities  # noqa: B018 - the edition changed under the kernel: it is checked, not trusted


def test_a_student_kernel_reading_a_cached_edition_does_not_import_pandas(edition_copy, tmp_path):
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    script = (
        "import sys, reader\n"
        f"app = reader.open({str(edition_copy)!r}, notes_file={str(tmp_path / 'notes.json')!r})\n"
        "app.paragraph_number = 2\n"
        "print('pandas' in sys.modules)\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert [run.stdout.strip() for run in runs] == ["True", "False"], "validated with pandas once, then not needed"


# --- hardening (issue 10): every reproduction gives one clear line, from load() and from `reader check` -----------


def _edit_text(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _first_line_number(path, prefix: str) -> int:
    return next(
        number for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if line.startswith(prefix)
    )


BILLION_LAUGHS = 'lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"lol{level}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for level, (previous, name) in enumerate(zip("abcdefgh", "bcdefghi", strict=True))
)


def _superscript_paragraph(folder, table=None):
    table("paragraphs").set(1, "paragraph", "²").save()


def _superscript_offset(folder, table=None):
    table("mentions").set(0, "start", "⁶").save()


def _huge_offset(folder, table=None):
    table("mentions").set(0, "end", str(2**63 + 1)).save()


def _huge_paragraph(folder, table=None):
    table("notes").set(0, "paragraph", str(2**64)).save()


def _full_width_paragraph(folder, table=None):
    table("claims").set(0, "paragraph", "１").save()


def _full_width_date(folder, table=None):
    table("events").set(0, "start", "１９５７").save()


def _year_zero(folder, table=None):
    table("events").set(0, "start", "0000-01-01").save()


def _nul_in_text(folder, table=None):
    notes = table("notes")
    notes.set(0, "note", notes.get(0, "note") + "\x00").save()


def _ansi_escape_in_text(folder, table=None):
    claims = table("claims")
    claims.set(0, "record", "\x1b[31mred\x1b[0m " + claims.get(0, "record")).save()


def _c1_control_in_text(folder, table=None):
    sources = table("sources")
    sources.set(0, "citation", sources.get(0, "citation") + "\x9b").save()


def _duplicate_mention_row(folder, table=None):
    mentions = table("mentions")
    mentions.rows.insert(1, list(mentions.rows[0]))
    mentions.save()


def _duplicate_role_row(folder, table=None):
    roles = table("roles")
    roles.rows.append(list(roles.rows[0]))
    roles.save()


def _cyrillic_id(folder, table=None):
    table("entities").set(1, "entity_id", "khrushсhev").save()


def _directory_for_file(folder, table=None):
    (folder / "notes.csv").unlink()
    (folder / "notes.csv").mkdir()


def _fifo_for_file(folder, table=None):
    (folder / "claims.csv").unlink()
    os.mkfifo(folder / "claims.csv")


def _symlink_loop(folder, table=None):
    (folder / "events.csv").unlink()
    (folder / "events.csv").symlink_to("events.csv")


def _too_large(folder, table=None):
    with (folder / "paragraphs.csv").open("r+b") as paragraphs:
        paragraphs.truncate(6 * 1024 * 1024)  # sparse: refused by its size, before anything is read


def _latin1_in_yaml(folder, table=None):
    path = folder / "edition.yaml"
    path.write_bytes(path.read_bytes().replace(b"Khrushchev", "Khrushch\u00e9v".encode("latin-1"), 1))


def _billion_laughs_title(folder, table=None):
    _edit_text(folder / "edition.yaml", "title: Khrushchev's", BILLION_LAUGHS + "title: *i\nsubtitle: Khrushchev's")


def _billion_laughs_quotation(folder, table=None):
    path = folder / "excerpt.yaml"
    path.write_text(BILLION_LAUGHS + path.read_text(encoding="utf-8").replace("quotation:", "quotation: *i\nold:", 1))


def _alias_without_anchor(folder, table=None):
    _edit_text(folder / "edition.yaml", "title: Khrushchev's", "title: *laughs\nsubtitle: Khrushchev's")


def _duplicate_yaml_key(folder, table=None):
    _edit_text(folder / "edition.yaml", "language: en", "language: en\nlanguage: ru")


def _title_is_a_list(folder, table=None):
    _edit_text(folder / "edition.yaml", "title: Khrushchev's", "title: [Khrushchev's, Purges]\nsubtitle: x")


def _identifiers_is_a_number(folder, table=None):
    _rewrite_excerpt(folder, lambda excerpt: excerpt["document"].update(identifiers=5))


def _related_documents_is_a_number(folder, table=None):
    _rewrite_excerpt(folder, lambda excerpt: excerpt.update(related_documents=5))


def _excerpt_paragraph_is_text(folder, table=None):
    _rewrite_excerpt(folder, lambda excerpt: excerpt.update(paragraph="2"))


def _verification_item_is_text(folder, table=None):
    _rewrite_excerpt(folder, lambda excerpt: excerpt["verification"].insert(0, "verified"))


def _source_ids_is_a_number(folder, table=None):
    _rewrite_excerpt(folder, lambda excerpt: excerpt["context"][0].update(source_ids=5))


def _excerpt_is_a_list(folder, table=None):
    (folder / "excerpt.yaml").write_text("- quotation\n- paragraph\n", encoding="utf-8")


def _nul_in_yaml_text(folder, table=None):
    _rewrite_excerpt(folder, lambda excerpt: excerpt.update(claim_supported="a\x1b[2Jb"))


def _raw_escape_in_yaml(folder, table=None):
    _edit_text(folder / "edition.yaml", "language: en", "language: \x1b[31men")


def _rights_missing(folder, table=None):
    metadata = yaml.safe_load((folder / "edition.yaml").read_text(encoding="utf-8"))
    metadata.pop("rights")
    (folder / "edition.yaml").write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")


def _rights_holder_empty(folder, table=None):
    _edit_text(folder / "edition.yaml", "  holder: ", "  holder: ''\n  was: ")


MALFORMED = {
    "superscript paragraph": (
        _superscript_paragraph,
        r"^paragraphs\.csv, line 3, column \"paragraph\": '²' is not a whole number written in digits 0-9",
    ),
    "superscript offset": (
        _superscript_offset,
        r"^mentions\.csv, line 2, column \"start\": '⁶' is not a whole number written in digits 0-9",
    ),
    "offset above 2**63": (
        _huge_offset,
        r"^mentions\.csv, line 2, column \"end\": '9223372036854775809' is out of range",
    ),
    "paragraph above 2**63": (_huge_paragraph, r"^notes\.csv, line 2, column \"paragraph\": '\d+' is out of range"),
    "full-width paragraph": (_full_width_paragraph, r"^claims\.csv, line 2, column \"paragraph\": '１' is not a whole"),
    "full-width date": (_full_width_date, r"^events\.csv, line 2, column \"start\": '１９５７' is not a date"),
    "year 0000": (_year_zero, r"^events\.csv, line 2, column \"start\": '0000-01-01' has year 0, which does not exist"),
    "NUL in text": (_nul_in_text, r"^notes\.csv, line 2, column \"note\": contains NUL U\+0000 at character \d+"),
    "ANSI escape": (
        _ansi_escape_in_text,
        r"^claims\.csv, line 2, column \"record\": contains ESC U\+001B \(an ANSI terminal escape\) at character 1",
    ),
    "C1 control": (_c1_control_in_text, r"^sources\.csv, line 2, column \"citation\": contains C1 control U\+009B"),
    "duplicate mention row": (_duplicate_mention_row, r"^mentions\.csv, line 3: the same row as line 2; expected each"),
    "duplicate role row": (
        _duplicate_role_row,
        r"^roles\.csv, line \d+: the same row as line 2; expected each row once",
    ),
    "Cyrillic letter in an id": (
        _cyrillic_id,
        r"^entities\.csv, line 3, column \"entity_id\": id 'khrushсhev' contains Cyrillic letter 'с' \(U\+0441\) "
        "where Latin is expected",
    ),
    "directory": (_directory_for_file, r"^notes\.csv: is a directory, not a file$"),
    "FIFO": (_fifo_for_file, r"^claims\.csv: is not a regular file \(a FIFO, socket or device\); expected a file$"),
    "symlink loop": (_symlink_loop, r"^events\.csv: is a symlink loop; expected a file$"),
    "file over 5 MB": (_too_large, r"^paragraphs\.csv: is 6\.0 MB; expected at most 5 MB per file of an edition$"),
    "Latin-1 byte in YAML": (_latin1_in_yaml, r"^edition\.yaml, line \d+, column \d+: not UTF-8 \(byte 0xe9\)"),
    "billion laughs title": (
        _billion_laughs_title,
        r"^edition\.yaml, line 2, column 6: YAML anchors \(&a\) and aliases \(\*name\) are not allowed in an edition$",
    ),
    "billion laughs quotation": (
        _billion_laughs_quotation,
        r"^excerpt\.yaml, line 1, column 6: YAML anchors \(&a\) and aliases \(\*name\) are not allowed in an edition$",
    ),
    "alias": (
        _alias_without_anchor,
        r"^edition\.yaml, line 2, column 8: YAML aliases \(\*laughs\) are not allowed in an edition$",
    ),
    "duplicate YAML key": (
        _duplicate_yaml_key,
        r"^edition\.yaml, line (\d+), column 1: key 'language' appears twice in this mapping \(first on line \d+\)",
    ),
    "title that is a list": (_title_is_a_list, r"^edition\.yaml, line 2, column 8: key 'title': a list; expected text"),
    "identifiers: 5": (
        _identifiers_is_a_number,
        r"^excerpt\.yaml, line \d+, column \d+: key 'document\.identifiers': a number \(5\); expected a list of "
        "mappings",
    ),
    "related_documents: 5": (
        _related_documents_is_a_number,
        r"^excerpt\.yaml, line \d+, column \d+: key 'related_documents': a number \(5\); expected a list of mappings",
    ),
    "paragraph as text": (
        _excerpt_paragraph_is_text,
        r"^excerpt\.yaml, line \d+, column \d+: key 'paragraph': str; expected a paragraph number",
    ),
    "verification item that is text": (
        _verification_item_is_text,
        r"^excerpt\.yaml, line \d+, column \d+: key 'verification': item 1 is str; expected a mapping with keys part",
    ),
    "source_ids: 5": (
        _source_ids_is_a_number,
        r"^excerpt\.yaml, line \d+, column \d+: key 'context\[1\]\.source_ids': a number \(5\); expected a list of ids",
    ),
    "excerpt that is a list": (_excerpt_is_a_list, r"^excerpt\.yaml: expected a YAML mapping of keys to values"),
    "ANSI escape in YAML": (
        _nul_in_yaml_text,
        r"^excerpt\.yaml, line \d+, column \d+: key 'claim_supported': contains ESC U\+001B \(an ANSI terminal "
        r"escape\)",
    ),
    "raw ESC in a YAML file": (
        _raw_escape_in_yaml,
        r"^edition\.yaml, line \d+, column 11: contains control character U\+001B; expected plain text",
    ),
    "rights missing": (
        _rights_missing,
        r"^edition\.yaml, line 1, column 1: key 'rights' is missing or empty; expected a mapping",
    ),
    "rights holder empty": (
        _rights_holder_empty,
        r"^edition\.yaml, line \d+, column \d+: key 'rights\.holder' is missing or empty; expected text",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_edition_gives_one_clear_line_from_load_and_from_check(edition_copy, table, case, capsys):
    from reader.cli import main

    break_it, pattern = MALFORMED[case]
    break_it(edition_copy, table)
    error = load_error(edition_copy)
    assert re.search(pattern, error.problems[0]), f"{pattern!r} not in {error.problems[0]!r}"
    assert all("\n" not in problem for problem in error.problems)
    assert main(["check", str(edition_copy)]) == 1
    output = capsys.readouterr()
    lines = output.err.splitlines()
    assert "please report this" not in output.err and "Traceback" not in output.err
    assert lines[-1] == f"not valid: {len(error.problems)} problem{'s' if len(error.problems) > 1 else ''}"
    assert lines[:-1] == [f"error: {problem}" for problem in error.problems], "one line per problem"
    assert re.search(pattern, lines[0].removeprefix("error: "))


def test_billion_laughs_does_not_hang_reader_check(edition_copy, table):
    _billion_laughs_title(edition_copy, table)
    result = subprocess.run(
        [sys.executable, "-m", "reader", "check", str(edition_copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "are not allowed in an edition" in result.stderr.splitlines()[0]


def test_a_fifo_is_never_opened(edition_copy):
    """Opening a FIFO for reading waits for a writer: the loader must say what it is without opening it."""
    _fifo_for_file(edition_copy)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import reader\ntry:\n    reader.load({str(edition_copy)!r})\nexcept Exception as e:\n    print(e)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "claims.csv: is not a regular file" in result.stdout


def test_editions_index_is_read_as_yaml(tmp_path, monkeypatch):
    from reader.paths import default_edition_path

    (tmp_path / "editions.yaml").write_text("default: my-edition  # the one students open\n", encoding="utf-8")
    monkeypatch.delenv("READER_EDITION", raising=False)
    monkeypatch.setenv("READER_DATA", str(tmp_path))
    assert default_edition_path() == tmp_path / "my-edition"


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("default: caf\u00e9\n".encode("latin-1"), r"^editions\.yaml, line 1, column 13: not UTF-8 \(byte 0xe9\)"),
        (b"default: a\ndefault: b\n", r"^editions\.yaml, line 2, column 1: key 'default' appears twice"),
        (b"default: &x a\nother: *x\n", r"^editions\.yaml, line 1, column 10: YAML anchors \(&x\)"),
        (b"default: [a, b]\n", r"^editions\.yaml, line 1, column 10: key 'default' missing or not text"),
        (b"default: ../elsewhere\n", r"^editions\.yaml, line 1, column 10: '\.\./elsewhere' is not a folder name"),
    ],
)
def test_bad_editions_index(tmp_path, monkeypatch, content, pattern):
    (tmp_path / "editions.yaml").write_bytes(content)
    monkeypatch.delenv("READER_EDITION", raising=False)
    monkeypatch.setenv("READER_DATA", str(tmp_path))
    with pytest.raises(EditionError) as caught:
        reader.load()
    assert re.search(pattern, str(caught.value)), str(caught.value)


def test_a_date_in_yaml_stays_as_written(edition_copy):
    _edit_text(edition_copy / "edition.yaml", "published: not verified", "published: 2018-08-10")
    assert reader.load(edition_copy).metadata["published"] == "2018-08-10"


def test_unknown_yaml_key_is_a_warning(edition_copy, capsys):
    from reader.cli import main

    _edit_text(edition_copy / "edition.yaml", "language: en", "language: en\ntitel: typo")
    line = _first_line_number(edition_copy / "edition.yaml", "titel:")
    assert f"edition.yaml, line {line}, column 8: key 'titel' is not known" in reader.load(edition_copy).warnings[0]
    assert main(["check", str(edition_copy)]) == 0
    assert f"warning: edition.yaml, line {line}, column 8: key 'titel' is not known" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        ("\u202eevil", r"a right-to-left override \(U\+202E\) is never closed by U\+202C in this field"),
        ("\u2067isolated", r"a right-to-left isolate \(U\+2067\) is never closed by U\+2069"),
        ("from $5 to $10", r"'\$5 to \$' would be typeset as mathematics by JupyterLab"),
        (r"see \(x\)", r"'\\\\\(' would be typeset as mathematics"),
        (r"\[1\]", r"'\\\\\[' would be typeset as mathematics"),
    ],
)
def test_warnings_for_text_a_browser_would_misread(edition_copy, table, capsys, addition, expected):
    from reader.cli import main

    notes = table("notes")
    notes.set(0, "note", notes.get(0, "note") + " " + addition).save()
    warnings = reader.load(edition_copy).warnings
    assert len(warnings) == 1 and re.search(r'^notes\.csv, line 2, column "note": ' + expected, warnings[0]), warnings
    assert main(["check", str(edition_copy)]) == 0, "a warning does not fail the check"
    output = capsys.readouterr()
    assert [line for line in output.err.splitlines() if line.startswith("warning: ")] == [f"warning: {warnings[0]}"]
    assert "valid:" in output.out


def test_closed_bidirectional_controls_are_not_warned_of(edition_copy, table):
    notes = table("notes")
    notes.set(0, "note", notes.get(0, "note") + " \u202eclosed\u202c and \u2067isolated\u2069").save()
    assert reader.load(edition_copy).warnings == ()


def test_the_bundled_edition_has_no_warnings(edition):
    assert edition.warnings == ()


def test_cache_key_ignores_other_files_and_reads_in_chunks(edition_copy, table):
    import tracemalloc

    from reader import __version__, cache
    from reader.schema import edition_file_names

    before = cache.edition_key(edition_copy, __version__, edition_file_names())
    with (edition_copy / "backup.csv").open("wb") as backup:
        backup.truncate(512 * 1024 * 1024)  # sparse: 512 MB to read, none of it on disk
    tracemalloc.start()
    after = cache.edition_key(edition_copy, __version__, edition_file_names())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert after == before, "a file that is not the edition's does not change the key"
    assert peak < 16 * 1024 * 1024, f"{peak} bytes held to make the key"
    table("sources").set(0, "note", "changed").save()
    assert cache.edition_key(edition_copy, __version__, edition_file_names()) != before


def test_read_table_is_public_and_the_old_name_still_works(edition_copy):
    from reader import loader
    from reader.schema import TABLES_BY_NAME

    frame = loader.read_table(edition_copy, TABLES_BY_NAME["paragraphs"])
    assert list(frame["paragraph"]) == list(range(1, 12))
    assert list(loader._read_table(edition_copy, TABLES_BY_NAME["paragraphs"])["paragraph"]) == list(range(1, 12))


def _imports(path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update({node.module, *(f"{node.module}.{alias.name}" for alias in node.names)})
    return names


def test_the_model_imports_neither_the_loader_nor_the_cache():
    imported = _imports(REPOSITORY / "src" / "reader" / "model.py")
    assert not {name for name in imported if name.startswith(("reader.loader", "reader.cache"))}, imported
    assert "reader" not in imported


def test_the_version_has_its_own_module():
    import tomllib

    from reader import _version

    package = REPOSITORY / "src" / "reader"
    pyproject = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["hatch"]["version"]["path"] == "src/reader/_version.py"
    assert reader.__version__ == _version.__version__
    for module in package.rglob("*.py"):
        assert "reader.__version__" not in _imports(module), f"{module.name} imports the package for its version"


def test_a_cached_edition_keeps_its_warnings(edition_copy, table, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notes = table("notes")
    notes.set(0, "note", notes.get(0, "note") + " $5 to $10").save()
    first = reader.load(edition_copy)
    cached = reader.load(edition_copy)
    assert cached._tables is None and cached.warnings == first.warnings and len(first.warnings) == 1


# --- data/README.md and the schema agree ----------------------------------------------------------------------


def _readme_sections() -> dict[str, list[str]]:
    """Each ``## `file` `` section of data/README.md, as the first cells of its table rows."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in (REPOSITORY / "data" / "README.md").read_text(encoding="utf-8").split("\n"):
        heading = re.match(r"^## `([^`]+)`", line)
        if heading:
            current = sections.setdefault(heading.group(1), [])
        elif line.startswith("## "):
            current = None
        elif current is not None and line.startswith("| `"):
            current.extend(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return sections


def test_data_readme_documents_every_table_and_column_of_the_schema_and_no_other():
    from reader.schema import EDITION_KEYS, EXCERPT_KEYS, TABLES

    sections = _readme_sections()
    documented = {name: sorted(columns) for name, columns in sections.items() if name.endswith(".csv")}
    assert documented == {table.file_name: sorted(column.name for column in table.columns) for table in TABLES}
    for file_name, keys in (("edition.yaml", EDITION_KEYS), ("excerpt.yaml", EXCERPT_KEYS)):
        assert sorted(sections[file_name]) == sorted(key.name for key in keys), file_name


def test_data_readme_states_the_file_size_limit():
    from reader.textfiles import MAX_FILE_BYTES

    assert f"{MAX_FILE_BYTES // 1024 // 1024} MB" in (REPOSITORY / "data" / "README.md").read_text(encoding="utf-8")


# --- the edition's own vocabulary ----------------------------------------------------------------------------


def _rewrite_edition_yaml(folder, change):
    path = folder / "edition.yaml"
    metadata = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(metadata)
    path.write_text(yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_theme_colour_without_contrast_is_refused(edition_copy):
    _rewrite_edition_yaml(edition_copy, lambda metadata: metadata["themes"][0].update(colour="#aaaaaa"))
    expect(
        edition_copy,
        r"^edition\.yaml, line \d+, column \d+: key 'themes\[1\]\.colour': #aaaaaa has a contrast of 2\.32:1 on the "
        r"reader's background #ffffff; expected at least 4\.5:1",
    )


def test_an_event_theme_the_edition_does_not_declare(table, edition_copy):
    table("events").set(0, "theme", "economics").save()
    expect(edition_copy, r"^events\.csv, line 2, column \"theme\": 'economics' is not allowed; expected one of")


def test_themes_come_from_the_events_when_none_are_declared(edition_copy):
    _rewrite_edition_yaml(edition_copy, lambda metadata: metadata.pop("themes"))
    edition = reader.load(edition_copy)
    assert {theme.label for theme in edition.themes} == {
        "economic reform",
        "party politics",
        "repression and protest",
        "ideology",
        "security services",
        "foreign and military",
    }


def test_the_former_name_ru_column_is_still_read(edition_copy):
    path = edition_copy / "entities.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("original_name", "name_ru", 1), encoding="utf-8")
    assert reader.load(edition_copy).entity("khrushchev").original_name == "Никита Сергеевич Хрущёв"


def test_a_roster_value_the_edition_does_not_declare(table, edition_copy):
    _rewrite_edition_yaml(
        edition_copy, lambda metadata: metadata["rosters"][0]["columns"][1].update(values=["for", "against"])
    )
    expect(
        edition_copy,
        r"^presidium\.csv, line 2, column \"stance\": 'against removal' is not allowed; expected one "
        r"of 'for', 'against'",
    )


def test_a_roster_file_that_is_missing(edition_copy):
    (edition_copy / "presidium.csv").unlink()
    expect(edition_copy, r"^presidium\.csv: missing from .*; expected a CSV file with columns entity_id, membership")


def test_an_edition_without_events_loads_and_its_chronology_says_so(table, edition_copy):
    for name in ("events", "questions"):
        (edition_copy / f"{name}.csv").write_text(",".join(table(name).header) + "\n", encoding="utf-8")
    (edition_copy / "excerpt.yaml").unlink()
    edition = reader.load(edition_copy)
    assert edition.all_events() == () and edition.year_span is None
    assert "No events" in reader.panels.chronology(edition).html
    chronology = reader.widgets.Chronology(edition)
    assert "No events" in chronology.timeline.value and chronology.text().startswith("Chronology: 0 of 0 events")
    assert "quotes no document" in repr(reader.panels.excerpt(edition))


FRUS = REPOSITORY / "data" / "frus-1957-circular-telegram"


def test_a_text_without_a_reference_list_needs_no_references_file():
    assert not (FRUS / "references.csv").exists()
    edition = reader.load(FRUS)
    assert edition.references.empty
    assert list(edition.references.columns) == list(reader.load().references.columns)
    assert edition.counts()["references"] == 0


def test_the_web_page_columns_of_references_may_be_left_out(table, edition_copy):
    references = table("references")
    for column in ("retrieved", "cited_as"):
        position = references.header.index(column)
        del references.header[position]
        for row in references.rows:
            del row[position]
    references.save()
    edition = reader.load(edition_copy)
    assert len(edition.references) == len(reader.load().references)
    assert edition.references["retrieved"].isna().all() and edition.references["cited_as"].isna().all()


def test_other_reference_columns_are_still_required(table, edition_copy):
    references = table("references")
    position = references.header.index("title")
    del references.header[position]
    for row in references.rows:
        del row[position]
    references.save()
    expect(edition_copy, r'^references\.csv, line 1: column "title" is missing; expected columns ')
