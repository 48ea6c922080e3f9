"""``--search FIELD=KIND:ARGS``: a search space over any config field, checked before Ray starts.

>>> parse_search("lr=loguniform:1e-5:1e-3")
('lr', 'loguniform', [1e-05, 0.001])
>>> parse_search("loss=choice:bce,hinge")
('loss', 'choice', ['bce', 'hinge'])
>>> parse_search("augment=choice:none,translation+color")
('augment', 'choice', [(), ('translation', 'color')])
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any

from atarigan.config.option import ConfigError
from atarigan.config.run_config import RunConfig

#: Distribution -> how many numbers it takes (None: any number of values). grid: every value, in every sample.
KINDS = {"choice": None, "grid": None, "uniform": 2, "loguniform": 2, "randint": 2}
#: Train flags the sweep sets itself for every trial (where it writes, what it resumes, how it is launched).
SET_BY_THE_SWEEP = ("logdir", "resume", "trainer", "nproc_per_node", "backend")
#: Fields a trial cannot vary: those, and the device every trial shares (given once, as a train flag).
FIXED_BY_THE_SWEEP = (*SET_BY_THE_SWEEP, "device")


def _field_type(name: str) -> Any:
    part = RunConfig.PARTS[RunConfig.part_of(name)]
    kind = typing.get_type_hints(part)[name]
    options = [a for a in typing.get_args(kind) if a is not type(None)]
    return options[0] if typing.get_origin(kind) in (typing.Union, types.UnionType) else kind


def _value(name: str, text: str) -> Any:
    kind = _field_type(name)
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        return () if text == "none" else tuple(item(part) for part in text.split("+"))
    if kind is bool:
        if text not in ("true", "false"):
            raise ValueError(text)
        return text == "true"
    return kind(text)


def parse_search(spec: str) -> tuple[str, str, list[Any]]:
    """``FIELD=KIND:ARGS`` -> (field, kind, values); one clear error naming what is wrong."""
    field, _, rest = spec.partition("=")
    kind, _, args = rest.partition(":")
    names = {f.name for part in RunConfig.PARTS.values() for f in dataclasses.fields(part)}
    if not _ or field not in names or field in FIXED_BY_THE_SWEEP:
        allowed = "a config field (as --help spells it, with underscores)"
        raise ValueError(f"--search {spec!r}: {field!r} is not {allowed} that a trial may vary")
    if kind not in KINDS or not args:
        raise ValueError(f"--search {spec!r}: the space must be KIND:ARGS with KIND one of {', '.join(KINDS)}, "
                         "e.g. lr=loguniform:1e-5:1e-3 or loss=choice:bce,hinge")
    texts = args.split(",") if KINDS[kind] is None else args.split(":")
    if KINDS[kind] is not None and len(texts) != KINDS[kind]:
        raise ValueError(f"--search {spec!r}: {kind} takes {KINDS[kind]} numbers, LOW:HIGH")
    try:
        values = [_value(field, t) for t in texts]
    except (TypeError, ValueError):
        raise ValueError(f"--search {spec!r}: {args!r} are not values of {field}") from None
    for value in values:  # each end of a range, each choice, must be a value the field allows
        try:
            RunConfig.from_values({field: value, **({"eval_every": 1} if field in ("lr_schedule", "early_stop") else {})})
        except ConfigError as exc:
            raise ValueError(f"--search {spec!r}: {exc}") from None
    if KINDS[kind] is not None and not values[0] < values[1]:
        raise ValueError(f"--search {spec!r}: LOW must be below HIGH")
    return field, kind, values


def search_space(specs: list[str]) -> dict[str, Any]:
    """Ray Tune's ``param_space`` for the parsed specs (one field once)."""
    from ray import tune

    space: dict[str, Any] = {}
    for spec in specs:
        field, kind, values = parse_search(spec)
        if field in space:
            raise ValueError(f"--search names {field} twice")
        if kind == "grid":
            space[field] = tune.grid_search(values)
        else:
            space[field] = tune.choice(values) if kind == "choice" else getattr(tune, kind)(*values)
    return space


def trial_count(space: dict[str, Any], samples: int) -> int:
    """How many trials Ray Tune runs: each sample repeats every point of the grid fields' product."""
    return samples * math.prod(len(v["grid_search"]) for v in space.values()
                               if isinstance(v, dict) and "grid_search" in v)
