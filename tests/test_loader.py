"""Broken copies of the bundled edition: each raises EditionError with one line naming file, line and column."""

import os
import re
import subprocess
import sys

import pytest
import yaml

import reader
from reader import EditionError


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
    expect(edition_copy, r"^edition\.yaml, line \d+: .*; expected valid YAML")


def test_edition_yaml_without_title(edition_copy):
    metadata = yaml.safe_load((edition_copy / "edition.yaml").read_text(encoding="utf-8"))
    metadata.pop("title")
    (edition_copy / "edition.yaml").write_text(yaml.safe_dump(metadata), encoding="utf-8")
    expect(edition_copy, r"^edition\.yaml: key 'title' is missing or empty; expected a value")


def test_file_that_is_not_utf8(edition_copy):
    path = edition_copy / "entities.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"a", "\u00e4".encode("latin-1"), 1)
    path.write_bytes(b"\n".join(lines))
    expect(edition_copy, r"^entities\.csv, line 4: byte 0xe4 is not UTF-8; expected a file saved as UTF-8")


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


def test_unterminated_quote(edition_copy):
    path = edition_copy / "claims.csv"
    path.write_text(path.read_text(encoding="utf-8") + 'c99-1,1,"never closed\n', encoding="utf-8")
    expect(edition_copy, r"^claims\.csv, line \d+: .*expected valid CSV")


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
    expect(edition_copy, r"^paragraphs\.csv, line 2, column \"paragraph\": 'one' is not a positive whole number")


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
    expect(edition_copy, r"^excerpt\.yaml: key 'quotation': .* is not in ¶2; expected the words exactly")


def test_excerpt_unknown_verification_status(edition_copy):
    _rewrite_excerpt(edition_copy, lambda excerpt: excerpt["verification"][0].update(status="probably"))
    expect(
        edition_copy,
        r"^excerpt\.yaml: verification item 1 \(.*\): status 'probably'; expected one of "
        "'verified', 'not verified', 'contradicted'",
    )


def test_excerpt_unknown_source(edition_copy):
    _rewrite_excerpt(edition_copy, lambda excerpt: excerpt["verification"][0].update(source_ids=["made-up"]))
    expect(edition_copy, r"^excerpt\.yaml: verification item 1: source 'made-up' is not an id in sources\.csv")


def test_every_problem_is_collected(table, edition_copy):
    entities = table("entities")
    entities.set(0, "kind", "persn").set(1, "kind", "bdy").save()
    error = load_error(edition_copy)
    assert len(error.problems) == 2
    assert str(error).endswith("(and 1 more problem)")


# --- the cache of validated editions ----------------------------------------------------------------------


def test_a_valid_edition_is_cached_and_any_edit_is_validated_again(edition_copy, table):
    first = reader.load(edition_copy)
    again = reader.load(edition_copy)
    assert again is not first and again.counts() == first.counts(), "the second load comes from the cache"
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

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    reader.load(edition_copy)
    (cache.cache_folder() / f"{cache.edition_key(edition_copy, __version__)}.pickle").write_bytes(b"garbage")
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
