"""The engine's optional extras, imported only when a caller asks for what needs them.

The engine itself needs the standard library, numpy and networkx. pandas (``reptidex[pandas]``)
turns results into DataFrames and Series; matplotlib (``reptidex[plot]``) draws pedigree
charts on an Axes. Each is imported inside the call that uses it, so ``import reptidex.engine``
never pays for them, and a missing one is named with the extra that installs it.
"""

from __future__ import annotations

from types import ModuleType


class MissingExtraError(ImportError):
    """An optional package of the engine is not installed; the message says how to add it.

    Examples
    --------
    >>> print(MissingExtraError("pandas", "pandas"))
    this needs pandas, an optional extra of reptidex: pip install 'reptidex[pandas]'
    """

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"this needs {package}, an optional extra of reptidex: pip install 'reptidex[{extra}]'",
            name=package,
        )
        self.extra = extra


def pandas() -> ModuleType:
    """The pandas module, or :class:`MissingExtraError` naming ``reptidex[pandas]``."""
    try:
        import pandas
    except ImportError as error:
        raise MissingExtraError("pandas", "pandas") from error
    module: ModuleType = pandas  # pandas ships no types: name what the import is
    return module


def matplotlib() -> ModuleType:
    """The matplotlib package with its ``figure`` and ``patches`` modules loaded (never pyplot,
    whose global figures and GUI backends a library should not touch), or
    :class:`MissingExtraError` naming ``reptidex[plot]``."""
    try:
        import matplotlib
        import matplotlib.figure
        import matplotlib.patches
    except ImportError as error:
        raise MissingExtraError("matplotlib", "plot") from error
    return matplotlib
