"""The one error type a bad edition raises."""


class EditionError(Exception):
    """An edition folder that cannot be read or does not validate.

    ``str(error)`` is one line a teacher can act on (file, line, column, what was expected);
    ``error.problems`` lists every problem found in the same pass.
    """

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        first = self.problems[0] if self.problems else "the edition is not valid"
        extra = len(self.problems) - 1
        super().__init__(first + (f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""))
