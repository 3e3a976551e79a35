"""One register for a course: cards written once in a shared folder, used by several editions, each card saying
where else in the course its entity appears."""

import contextlib
import io
from pathlib import Path

import pytest

import reader
from reader import render
from reader.cli import main
from reader.model import Appearance
from reader.widgets import EntityCards

REGISTER_CARDS = (
    "entity_id,kind,name,original_name,aliases,start,end,summary,wikidata,source_ids\n"
    "alder,person,A. Alder,,Alder;Mr Alder,,,A person both texts name.,,register-source\n"
    "birch,body,The Birch Council,,Birch Council,,,A body only the second text names.,,register-source\n"
)
REGISTER_SOURCES = "source_id,citation,url,note\nregister-source,A register source,https://example.org/register,\n"
REGISTER_ROLES = "entity_id,role,start,end,source_ids\nalder,Chair,1950,1960,register-source\n"


def quiet(*arguments) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as errors:
        status = main(list(arguments))
    if status:
        print(errors.getvalue())
    return status


def make_edition(course: Path, name: str, title: str, paragraphs: list[str]) -> Path:
    text = course / f"{name}.txt"
    text.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    folder = course / name
    assert quiet("new", str(text), "--title", title, str(folder)) == 0
    text.unlink()
    path = folder / "edition.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("provenance: ''", "provenance: written for a test")
        .replace("status: ''", "status: public domain")
        .replace("holder: ''", "holder: nobody")
        + "register: ../register\n",
        encoding="utf-8",
    )
    (folder / "sources.csv").write_text("source_id,citation,url,note\n", encoding="utf-8")
    return folder


@pytest.fixture
def course(tmp_path) -> Path:
    """A course of two editions sharing one register: Alder named in both, the Birch Council in the second only."""
    course = tmp_path / "course"
    (course / "register").mkdir(parents=True)
    (course / "register" / "entities.csv").write_text(REGISTER_CARDS, encoding="utf-8")
    (course / "register" / "sources.csv").write_text(REGISTER_SOURCES, encoding="utf-8")
    (course / "register" / "roles.csv").write_text(REGISTER_ROLES, encoding="utf-8")
    first = make_edition(course, "first", "The first text", ["Alder spoke.", "Nobody answered."])
    second = make_edition(
        course, "second", "The second text", ["The Birch Council met.", "Then Mr Alder left.", "Alder came back."]
    )
    for folder in (first, second):
        assert quiet("mentions", str(folder), "--write") == 0
        assert quiet("check", str(folder)) == 0
    return course


def test_a_register_card_is_written_once_and_used_by_every_edition(course):
    first, second = reader.load(course / "first"), reader.load(course / "second")
    assert first.entity("alder") == first.entity("alder")
    assert first.entity("alder").summary == second.entity("alder").summary == "A person both texts name."
    assert first.entity("alder").paragraphs == (1,) and second.entity("alder").paragraphs == (2, 3)
    assert first.entity("alder").aliases == ("Alder",) and second.entity("alder").aliases == ("Alder", "Mr Alder")
    assert [role.role for role in first.entity("alder").roles] == ["Chair"]
    assert set(first.entities["entity_id"]) == {"alder"}, "only the register's cards this text uses"
    assert set(second.entities["entity_id"]) == {"alder", "birch"}
    assert list(first.sources["source_id"]) == ["register-source"]
    assert set(first.mentions["surface"]) == {"Alder"} and set(second.mentions["surface"]) == {
        "Birch Council",
        "Mr Alder",
        "Alder",
    }


def test_a_card_says_where_else_in_the_course_it_appears(course):
    first = reader.load(course / "first")
    alder = first.entity("alder")
    assert alder.elsewhere == (Appearance("second", "The second text", (2, 3)),)
    assert "Also in: The second text ¶2, ¶3" in render.entity_text(alder)
    html = render.entity_card_html(alder, first)
    assert '<span class="reader-label">Also in:</span> <cite><bdi>The second text</bdi></cite> ¶2, ¶3' in html
    birch = reader.load(course / "second").entity("birch")
    assert birch.elsewhere == () and "Also in" not in render.entity_card_html(birch, reader.load(course / "second"))


def test_the_card_opens_its_place_in_the_other_edition(course):
    cards = EntityCards(reader.load(course / "first"))
    assert cards.entity_id == "alder" and cards.elsewhere_buttons is None, "no button when nothing can open it"
    opened = []
    cards.on_open_elsewhere(lambda name, number, entity_id: opened.append((name, number, entity_id)))
    (button,) = cards.elsewhere_buttons.children
    assert button.description == "Open The second text ¶2"
    button.click()
    assert opened == [("second", 2, "alder")]


def test_another_edition_s_change_reaches_the_card_despite_the_cache(course):
    assert reader.load(course / "first").entity("alder").elsewhere[0].paragraphs == (2, 3)
    paragraphs = course / "second" / "paragraphs.csv"
    paragraphs.write_text(paragraphs.read_text(encoding="utf-8").replace("Alder came back.", "Nobody came back."))
    (course / "second" / "source.txt").unlink()
    assert quiet("mentions", str(course / "second"), "--write") == 0
    assert reader.load(course / "first").entity("alder").elsewhere[0].paragraphs == (2,)


def test_a_register_spelling_need_not_occur_in_every_text(course):
    """'Mr Alder' is only in the second text: the first is valid all the same (checked in the fixture)."""
    assert "Mr Alder" not in (course / "first" / "paragraphs.csv").read_text(encoding="utf-8")


def test_an_edition_s_own_card_may_not_repeat_a_register_card(course):
    cards = course / "first" / "entities.csv"
    cards.write_text(cards.read_text(encoding="utf-8") + "alder,person,Alder,,,,,Again.,,register-source\n")
    with pytest.raises(
        reader.EditionError, match=r"entities\.csv, line 2, column \"entity_id\": 'alder' is also a card"
    ):
        reader.load(course / "first")


def test_a_register_source_may_not_repeat_an_edition_source(course):
    sources = course / "first" / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8") + "register-source,Again,,\n")
    with pytest.raises(reader.EditionError, match=r"register/sources\.csv, line 2, column \"source_id\": .* also a"):
        reader.load(course / "first")


def test_a_register_card_citing_an_unknown_source_names_the_register_file(course):
    cards = course / "register" / "entities.csv"
    cards.write_text(cards.read_text(encoding="utf-8").replace(",,register-source\nbirch", ",,nowhere\nbirch"))
    with pytest.raises(reader.EditionError, match=r"^register/entities\.csv, line 2, column \"source_ids\": 'nowhere'"):
        reader.load(course / "second")


def test_a_register_that_is_not_a_folder(course):
    path = course / "first" / "edition.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("../register", "../nowhere"), encoding="utf-8")
    with pytest.raises(
        reader.EditionError, match=r"edition\.yaml, line \d+, column \d+: key 'register': '\.\./nowhere'"
    ):
        reader.load(course / "first")


def test_the_course_s_notebooks_and_handout_show_the_register_cards(course):
    from reader.handout import build_handout
    from reader.notebooks import build_notebooks

    first = reader.load(course / "first")
    assert "Also in:" in build_handout(first)
    assert "reader.panels.entity_register" in "".join(build_notebooks(first).values())


def test_the_app_offers_a_choice_of_text_when_the_course_has_several(monkeypatch):
    from traitlets import TraitError

    from reader.widgets import EditionPicker, ReaderApp

    monkeypatch.delenv("READER_EDITION", raising=False)
    picker = reader.open_course(class_mode=True)
    assert isinstance(picker, EditionPicker)
    assert [title for title, _ in picker.choice.options][1].startswith("Circular Telegram From the Department")
    first = picker.app
    assert first.edition.name == "khrushchevs-purges" and repr(picker).startswith("Text 1 of 2: Khrushchev")
    first.go_to(5)
    picker.choice.value = "frus-1957-circular-telegram"
    assert picker.app.edition.name == "frus-1957-circular-telegram" and picker.holder.children == (picker.app,)
    assert repr(picker).startswith("Text 2 of 2: Circular Telegram") and "¶1 of 8" in repr(picker)
    assert picker.app.notes.path.name == "frus-1957-circular-telegram.json" != first.notes.path.name
    picker.edition_name = "khrushchevs-purges"
    assert picker.app is first and first.paragraph_number == 5, "going back finds the reader as it was left"
    with pytest.raises(TraitError, match="'nowhere' is not an edition here; expected one of khrushchevs-purges"):
        picker.edition_name = "nowhere"
    monkeypatch.setenv("READER_EDITION", "frus-1957-circular-telegram")
    assert isinstance(reader.open_course(), ReaderApp)


def test_also_in_opens_the_other_edition_in_the_app(course):
    from reader.widgets import EditionPicker

    names = {"first": "The first text", "second": "The second text"}
    picker = EditionPicker(list(names.items()), lambda name: reader.open(course / name))
    picker.app.open_tab("Cards")
    (button,) = picker.app.entity_cards.elsewhere_buttons.children
    button.click()
    assert picker.edition_name == "second" and picker.app.paragraph_number == 2
    assert picker.app.tabs.selected_index == 0 and picker.app.entity_cards.entity_id == "alder", "its card shown"


def test_the_bundled_editions_share_the_first_edition_s_cards():
    """The telegram takes its cards from the first edition (register: ../khrushchevs-purges): written once, each
    saying where else in the course it appears, both ways."""
    first, telegram = reader.load(), reader.load("frus-1957-circular-telegram")
    for field in ("name", "original_name", "summary", "roles", "source_ids"):
        assert getattr(telegram.entity("khrushchev"), field) == getattr(first.entity("khrushchev"), field), field
    assert telegram.entity("khrushchev").elsewhere == (
        Appearance("khrushchevs-purges", first.title, first.entity("khrushchev").paragraphs),
    )
    assert first.entity("khrushchev").elsewhere == (
        Appearance("frus-1957-circular-telegram", telegram.title, (2, 3, 6)),
    )
    assert set(telegram.entities["entity_id"]) >= {"khrushchev", "molotov", "presidium", "stalin"}
    assert "party-presidium" not in set(telegram.entities["entity_id"]), "the Presidium's card is written once"
    assert first.entity("khrushchev").aliases == ("Khrushchev", "Khrushchevite")
    assert telegram.entity("khrushchev").aliases == ("Khrushchev",), "the card shows the telegram's own spellings"
