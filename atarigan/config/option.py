"""A config field that declares, beside its default, its help, its check and what resuming does with it.

Flags, ``--help`` text, validation and the resume rules are all read from these
declarations (:mod:`atarigan.config.cli_args`, :mod:`atarigan.training.run_plan`),
so a new field is one declaration in one place.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from typing import Any

#: A check returns what is wrong with a value ("must be ..., got ..."), or None.
Check = Callable[[Any], "str | None"]


class Resume(enum.Enum):
    """What ``--resume`` does with a field."""

    FIXED = "fixed by the checkpoint"  # a different value would make it another run: an error
    MAY_CHANGE = "may change on resume"  # the checkpoint's value unless the flag is given again
    LAUNCH = "launch only"  # this launch's value (or its default); never read from a checkpoint
    # Where the run lives: resumed, the checkpoint's own directory (--logdir may only repeat it); a
    # branch of an older checkpoint goes to --logdir if given, else <run>_from_<N>.
    RUN_DIRECTORY = "on resume: the checkpoint's directory, or a new one for a branch of an older checkpoint"


@dataclasses.dataclass(frozen=True)
class Option:
    """What a field declares besides its type and default."""

    help: str
    resume: Resume | None  # None: a command's argument, not part of a run
    check: Check | None = None
    metavar: str | tuple[str, ...] | None = None
    cli: bool = True  # False: set from other fields (ModelConfig.classes from --conditional), no flag of its own


def option(
    default: Any = dataclasses.MISSING,
    *,
    help: str,
    resume: Resume | None = None,
    check: Check | None = None,
    metavar: str | tuple[str, ...] | None = None,
    cli: bool = True,
) -> Any:
    """A dataclass field with its :class:`Option`; mutable defaults are copied per instance."""
    kwargs: dict[str, Any] = {"metadata": {"option": Option(help, resume, check, metavar, cli)}}
    if isinstance(default, (list, dict, set)):
        kwargs["default_factory"] = lambda: type(default)(default)
    else:
        kwargs["default"] = default
    return dataclasses.field(**kwargs)


def option_of(field: dataclasses.Field) -> Option:
    return field.metadata["option"]


def shown(value: Any) -> str:
    """A value as it is typed after its flag: ``(0.5, 0.999)`` -> ``0.5 0.999``, ``0.1`` -> ``0.1``."""
    if isinstance(value, (tuple, list)):
        return " ".join(map(shown, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def flag_of(name: str) -> str:
    """The CLI flag of a field: ``batch_size`` -> ``--batch-size``."""
    return "--" + name.replace("_", "-")


class ConfigError(ValueError):
    """A bad value of one field, worded so the CLI can put the flag in front instead of the name.

    ``problem`` follows the name: "must be ..., got 0", or ": unknown ..." (after a colon).
    """

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(self._join(name, problem))
        self.name = name
        self.problem = problem

    @staticmethod
    def _join(name: str, problem: str) -> str:
        return f"{name}{problem}" if problem.startswith(":") else f"{name} {problem}"

    def for_cli(self) -> str:
        return self._join(flag_of(self.name), self.problem)


def check_fields(config: Any) -> None:
    """Run each field's own check; raise :class:`ConfigError` naming the first bad field."""
    for field in dataclasses.fields(config):
        check = option_of(field).check
        problem = check(getattr(config, field.name)) if check is not None else None
        if problem:
            raise ConfigError(field.name, problem)


class Checked:
    """Base of the config dataclasses: each field's own check runs when one is made."""

    def __post_init__(self) -> None:
        check_fields(self)
