"""The reader as a student uses it in a browser page: the same actions in JupyterLab and in Voilà."""

import re

from harness import UI_WAIT_MS

APP = ".reader-app"


def words_pattern(text: str) -> str:
    """A regular expression for ``text`` in an option label (ipywidgets writes spaces there as non-breaking ones)."""
    return r"\s".join(re.escape(word) for word in text.split(" "))


class ReaderPage:
    def __init__(self, page):
        self.page = page
        self.app = page.locator(APP).first

    def position(self) -> str:
        return self.app.locator(".reader-position").inner_text()

    def wait_for_position(self, number: int, count: int = 11) -> None:
        self.app.locator(f".reader-position:text-is('¶{number} of {count}')").wait_for(timeout=UI_WAIT_MS)

    def paragraph_text(self) -> str:
        """What a sighted student reads: the text with its visible markers."""
        return self.app.locator(".reader-paragraph .reader-text").inner_text()

    def essay_words(self) -> str:
        """The paragraph's words alone, without markers or screen-reader text."""
        return self.app.locator(".reader-paragraph .reader-text").evaluate(
            "element => { const copy = element.cloneNode(true);"
            " copy.querySelectorAll('sup, .reader-sr-only').forEach(node => node.remove());"
            " return copy.textContent; }"
        )

    def button(self, label: str, scope: str = ""):
        return self.app.locator(f"{scope} button.jupyter-button:text-is('{label}')".strip()).first

    def click(self, label: str, scope: str = "") -> None:
        self.button(label, scope).click()

    def jump_to(self, number: int) -> None:
        self.app.locator(".reader-nav").get_by_label("Go to", exact=True).select_option(index=number - 1)
        self.wait_for_position(number)

    TAB_VIEWS = {
        "Cards": ".reader-entity-cards",
        "Chronology": ".reader-chronology table.reader-events",
        "Quoted document": ".reader-excerpt-view",
        "Questions": ".reader-questions",
        "Search": ".reader-search input",
    }

    def open_tab(self, title: str) -> None:
        self.app.locator(f".lm-TabBar-tab:has-text('{title}')").first.click()
        self.app.locator(f".lm-TabBar-tab.lm-mod-current:has-text('{title}')").first.wait_for(timeout=UI_WAIT_MS)
        # a tab's view is built by the kernel when first opened: wait until the page shows it
        self.app.locator(self.TAB_VIEWS[title]).first.wait_for(state="visible", timeout=UI_WAIT_MS)
        if title == "Cards":  # a hidden tab catches up with the paragraph when opened: wait for it
            number = int(self.position().split("¶")[1].split()[0])
            self.app.locator(f".reader-entity-cards .widget-select label:text-is('Named in ¶{number}')").wait_for(
                timeout=UI_WAIT_MS
            )

    def choose_card(self, name_start: str) -> None:
        select = self.app.locator(".reader-entity-cards .widget-select select")
        label = self._option(select, re.compile("^" + words_pattern(name_start)))
        select.select_option(label=label)
        self.app.locator(f".reader-entity-cards .reader-card h3:has-text('{name_start}')").wait_for(timeout=UI_WAIT_MS)

    def _option(self, select, pattern: re.Pattern) -> str:
        """The label of the first option that matches, once the kernel has sent the new options."""
        option = select.locator("option").filter(has_text=pattern).first
        option.wait_for(state="attached", timeout=UI_WAIT_MS)
        return option.text_content()

    def set_layer(self, label: str, on: bool) -> None:
        """Switch a layer of the layer bar: "Names", "[sic] readings", "Notes" or "Claims"."""
        self.app.locator(".reader-layers").get_by_role("checkbox", name=label, exact=True).set_checked(on)

    def set_sic_readings(self, on: bool) -> None:
        self.set_layer("[sic] readings", on)

    def filter_themes(self, themes: list[str]) -> None:
        select = self.app.locator(".reader-chronology .widget-select-multiple select")
        labels = [
            option
            for option in select.locator("option").all_text_contents()
            if any(option.replace("\xa0", " ").startswith(theme) for theme in themes)
        ]
        select.select_option(label=labels)

    def table_rows(self) -> int:
        return self.app.locator(".reader-chronology table.reader-events tbody tr").count()

    def choose_event(self, title_part: str) -> str:
        select = self.app.locator(".reader-chronology").get_by_label("Event", exact=True)
        label = self._option(select, re.compile(words_pattern(title_part)))
        select.select_option(label=label)
        return label

    def note_field(self):
        return self.app.locator(".reader-notes-panel textarea")

    def write_note(self, text: str) -> None:
        field = self.note_field()
        field.fill(text)
        field.press("Tab")  # leave the field, as a student would
        self.app.locator(".reader-saved:has-text('last saved')").wait_for(timeout=UI_WAIT_MS)

    def go_buttons(self, scope: str) -> list[str]:
        return self.app.locator(f"{scope} button.jupyter-button").all_inner_texts()


def paragraph_number(position_text: str) -> int:
    return int(re.match(r"¶(\d+) of", position_text).group(1))
