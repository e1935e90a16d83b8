class Unchanged:
    """Marks an argument left out of an update, where None is a real value."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = Unchanged()
