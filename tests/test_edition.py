"""The bundled edition against its source text, and the completeness the classroom relies on."""

import hashlib
import re
from pathlib import Path

import pytest

from conftest import REPOSITORY

EDITION = REPOSITORY / "data" / "khrushchevs-purges"
SHARED_SEED = REPOSITORY.parent / "shared" / "seed" / "essay.txt"
PERSONS_NAMED = (
    "Stalin",
    "Khrushchev",
    "Kaganovich",
    "Molotov",
    "Bulganin",
    "Shepilov",
    "Malenkov",
    "Pervukhin",
    "Saburov",
    "Zhukov",
    "Serov",
    "Beria",
    "Voroshilov",
    "Kosigyn",
)


def source_blocks() -> tuple[str, list[str], list[str]]:
    """Title, paragraphs and references of source.txt: non-empty lines, page furniture left out."""
    lines = [line for line in (EDITION / "source.txt").read_text(encoding="utf-8").split("\n") if line.strip()]
    assert lines[0] == "top of page" and lines[-1] == "bottom of page"
    references_at = lines.index("References")
    return lines[1], lines[2:references_at], lines[references_at + 1 : -1]


# SHA-256 of the seed essay as the project received it (../shared/seed/essay.txt), so that a clone without the
# seed beside it still checks that source.txt is that file, byte for byte.
SEED_SHA256 = "a24aae30d62372a065ffd40a776e8957f2ec429dc40fd9327b634d7d6c1ed867"


def test_source_is_the_seed_as_received():
    source = (EDITION / "source.txt").read_bytes()
    assert hashlib.sha256(source).hexdigest() == SEED_SHA256
    if SHARED_SEED.is_file():  # where the seed is beside the clone, compare with it too
        assert source == SHARED_SEED.read_bytes()


def test_title_and_paragraphs_are_verbatim(edition):
    title, paragraphs, _ = source_blocks()
    assert edition.title == title
    assert len(paragraphs) == 11
    assert list(edition.paragraphs["paragraph"]) == list(range(1, 12))
    for number, text in enumerate(paragraphs, start=1):
        assert edition.paragraph(number).text == text, f"¶{number} differs from the source"


def test_references_are_verbatim(edition):
    _, _, references = source_blocks()
    assert list(edition.references["verbatim"]) == references


def test_every_person_the_essay_names_has_a_card(edition):
    persons = edition.entities[edition.entities["kind"] == "person"]
    named = persons[persons["aliases"].map(bool)]
    assert len(named) == 14
    spellings = {alias for aliases in named["aliases"] for alias in aliases}
    assert set(PERSONS_NAMED) <= spellings
    for entity in (edition.entity(entity_id) for entity_id in named["entity_id"]):
        assert entity.paragraphs, f"{entity.entity_id} is never mentioned"
        assert entity.start and entity.end and entity.original_name and entity.source_ids


@pytest.mark.parametrize(
    "entity_id",
    [
        "presidium",
        "central-committee",
        "sovnarkhozy",
        "ministries",
        "state-committees",
        "nkvd",
        "kgb",
        "cia",
        "anti-party-group",
        "nomenklatura",
        "dictatorship-of-the-proletariat",
        "novocherkassk",
        "cpsu",
    ],
)
def test_bodies_and_concepts_the_essay_relies_on(edition, entity_id):
    entity = edition.entity(entity_id)
    assert entity.paragraphs, f"{entity_id} has no mention"
    assert entity.summary and entity.source_ids


def test_presidium_of_june_1957(edition):
    presidium = edition.roster_table("presidium")
    assert (presidium["membership"] == "full").sum() == 11
    assert (presidium["membership"] == "candidate").sum() >= 6
    voted_for_removal = set(presidium.query("membership == 'full' and stance == 'for removal'")["entity_id"])
    assert len(voted_for_removal) == 7
    assert "khrushchev" not in voted_for_removal


def test_chronology_covers_the_reform_and_every_dated_statement(edition):
    events = edition.events
    assert len(events) >= 25
    years = events["start"].str[:4].astype(int)
    assert years.min() <= 1953 and years.max() >= 1965
    assert {"economic-reform", "party-politics", "repression-and-protest", "ideology"} <= set(events["theme"])
    for paragraph in edition.all_paragraphs():
        outside_citations = re.sub(r"\([^)]*\)", "", paragraph.text)
        for year in re.findall(r"\b19\d\d\b", outside_citations):
            dated = [edition.event(event_id).essay_date or "" for event_id in paragraph.event_ids]
            assert any(year in essay_date for essay_date in dated), f"¶{paragraph.number}: no event for {year}"


def test_sic_readings_for_the_known_slips(edition):
    sic = edition.notes[edition.notes["kind"] == "sic"]
    readings = dict(zip(sic["anchor"], sic["reading"], strict=True))
    assert readings["the the"] == "the"
    assert readings["Sovnarkzhoy"] == "Sovnarkhozy"
    assert readings["Kosigyn"] == "Kosygin"


def test_every_paragraph_has_notes_and_claims(edition):
    for paragraph in edition.all_paragraphs():
        assert paragraph.notes, f"¶{paragraph.number} has no note"
        assert paragraph.claims, f"¶{paragraph.number} has no claim"


def test_claims_cover_every_verdict_and_carry_sources(edition):
    claims = edition.claims
    assert set(claims["verdict"]) == {
        "supported",
        "partly supported",
        "contradicted",
        "not verifiable",
        "opinion",
    }
    checkable = claims[~claims["verdict"].isin(["not verifiable", "opinion"])]
    assert all(
        sources_for or sources_against
        for sources_for, sources_against in zip(checkable["sources_for"], checkable["sources_against"], strict=True)
    )


def test_excerpt_states_what_is_verified(edition):
    excerpt = edition.excerpt_document
    assert excerpt.paragraph == 2 and excerpt.quotation in edition.paragraph(2).text
    parts = dict(zip(edition.excerpt["part"], edition.excerpt["status"], strict=True))
    assert {"quotation", "title", "date", "page", "identifier"} <= set(parts)


def test_every_source_is_cited(edition):
    cited = set()
    for frame, columns in (
        (edition.entities, ["source_ids"]),
        (edition.roles, ["source_ids"]),
        (edition.events, ["source_ids"]),
        (edition.notes, ["source_ids"]),
        (edition.claims, ["sources_for", "sources_against"]),
        (edition.roster_table("presidium"), ["source_ids"]),
        (edition.references, ["source_ids"]),
    ):
        for column in columns:
            cited.update(source_id for ids in frame[column] for source_id in ids)
    text = Path(EDITION / "excerpt.yaml").read_text(encoding="utf-8") + (EDITION / "edition.yaml").read_text(
        encoding="utf-8"
    )
    uncited = [
        source_id for source_id in edition.sources["source_id"] if source_id not in cited and source_id not in text
    ]
    assert not uncited, f"sources never cited: {uncited}"


def test_claims_by_verdict_agrees_with_the_claims_table(edition):
    """The notebook's summary is counted from the model; pandas, counting the table, must agree cell for cell."""
    from reader import panels

    expected = edition.claims.pivot_table(
        index="paragraph", columns="verdict", values="claim_id", aggfunc="count", fill_value=0
    )
    lines = panels.claims_by_verdict(edition).text.splitlines()
    assert lines[0].split("  ")[0] == "paragraph" and "total" in lines[0]
    for line, (number, counts) in zip(lines[1:-1], expected.iterrows(), strict=True):
        cells = line.split()
        assert cells[0] == f"¶{number}" and [int(cell) for cell in cells[1:]] == [*counts.tolist(), counts.sum()]
    assert lines[-1].split()[1:] == [str(total) for total in [*expected.sum().tolist(), len(edition.claims)]]
