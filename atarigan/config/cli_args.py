"""Command-line flags generated from config dataclasses: one flag per field, help and default from its declaration.

Plain ``argparse`` built from ``dataclasses.fields``, not tyro: resuming needs to
know which flags the user typed (every default here is ``SUPPRESS``, so an absent
flag is absent from the namespace), errors must be one line naming the flag
(tyro prints a boxed, multi-line report), and the flags stay those users know
(``--batch-size``, not ``--train.batch-size``); it also adds no dependency.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from typing import Any

from atarigan.config.option import Resume, flag_of, option_of, shown


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (argparse's own prints the whole usage first)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _help(field: dataclasses.Field) -> str:
    opt = option_of(field)
    notes = []
    if field.default is not dataclasses.MISSING and field.default is not None and field.default is not False:
        notes.append(f"default: {shown(field.default)}")
    if opt.resume in (Resume.FIXED, Resume.MAY_CHANGE, Resume.RUN_DIRECTORY):
        notes.append(opt.resume.value)
    text = opt.help + (f" ({'; '.join(notes)})" if notes else "")
    return text.replace("%", "%%")


def _argument_kind(annotation: Any) -> dict[str, Any]:
    """argparse's ``type``/``nargs``/``action`` for a field's annotation."""
    options = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = options[0]  # "X | None": None is the default, never typed
    if annotation is bool:
        return {"action": argparse.BooleanOptionalAction}
    if typing.get_origin(annotation) is tuple:
        items = typing.get_args(annotation)
        if items[-1] is Ellipsis:
            # "extend": a repeated flag adds to the list (--search a=... --search b=...), not replaces it.
            return {"type": items[0], "nargs": "+", "action": "extend"}
        return {"type": items[0], "nargs": len(items)}
    return {"type": annotation}


_METAVARS = {int: "N", float: "X"}


def add_options(parser: argparse.ArgumentParser, cls: type, title: str | None = None) -> None:
    """One flag per field of the dataclass ``cls``; absent flags stay absent from the parsed namespace."""
    group = parser.add_argument_group(title) if title else parser
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        opt = option_of(field)
        if not opt.cli:
            continue
        kwargs = {"dest": field.name, "default": argparse.SUPPRESS, "help": _help(field), **_argument_kind(hints[field.name])}
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            kwargs["required"] = True
        metavar = opt.metavar or _METAVARS.get(kwargs.get("type"))
        if metavar is not None:
            kwargs["metavar"] = metavar
        group.add_argument(flag_of(field.name), **kwargs)


def given_options(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The fields of ``cls`` whose flags were given, with their values."""
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(cls) if hasattr(args, f.name)}


def flags_of(parser: argparse.ArgumentParser) -> set[str]:
    """Every long flag a parser takes (``--help`` aside)."""
    return {s for action in parser._actions for s in action.option_strings if s.startswith("--") and s != "--help"}
