"""What every reader view shares: a text/plain repr with the content, and go-to-paragraph callbacks."""

import ipywidgets as widgets


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
    button = widgets.Button(description=f"{label} ¶{number}", tooltip=f"{label} paragraph {number}",
                            layout=widgets.Layout(width="auto"))
    button.on_click(lambda _button: on_click(number))
    return button
