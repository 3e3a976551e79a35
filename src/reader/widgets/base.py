"""What every reader view shares: a text/plain repr with the content, and go-to-paragraph callbacks."""

from collections import OrderedDict

import ipywidgets as widgets


class RecentCache(OrderedDict):
    """Rendered HTML kept for the most recent keys only, so memory stays flat however large the edition."""

    def __init__(self, size: int = 128):
        super().__init__()
        self.size = size

    def get_or_make(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class ReaderView(widgets.VBox):
    """A VBox whose ``repr`` is the content it shows, so nbval, a terminal and a screen reader see the text."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._paragraph_callbacks = []
        self.add_class("reader-view")

    def on_go_to_paragraph(self, callback) -> None:
        """Call ``callback(paragraph_number)`` when the student asks to go to a paragraph from this view."""
        self._paragraph_callbacks.append(callback)

    def _go_to_paragraph(self, number: int) -> None:
        for callback in self._paragraph_callbacks:
            callback(number)

    def text(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.text()


def go_button(number: int, on_click, label: str = "Go to") -> widgets.Button:
    button = widgets.Button(
        description=f"{label} ¶{number}",
        tooltip=f"{label} paragraph {number}",
        layout=widgets.Layout(width="auto"),
    )
    button.on_click(lambda _button: on_click(number))
    return button


class GoButtons(widgets.HBox):
    """ "Go to ¶N" buttons. Each paragraph's button is made once, on first need, and kept: showing another set of
    paragraphs only changes which buttons are children (one message to the page, however many buttons)."""

    def __init__(self, on_click, label: str = "Go to", **kwargs):
        super().__init__(layout=widgets.Layout(flex_flow="row wrap"), **kwargs)
        self._on_click, self._label = on_click, label
        self._buttons: dict[int, widgets.Button] = {}
        self.numbers: tuple[int, ...] = ()

    def _button(self, number: int) -> widgets.Button:
        if number not in self._buttons:
            self._buttons[number] = go_button(number, self._on_click, self._label)
        return self._buttons[number]

    def show(self, numbers) -> None:
        numbers = tuple(numbers)
        if numbers != self.numbers:
            self.numbers = numbers
            self.children = [self._button(number) for number in numbers]
