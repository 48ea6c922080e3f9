"""Fixtures of the evaluation tests: one evaluator per game set, shared by every module that scores frames."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from atarigan.evaluate.evaluation import Evaluator

#: Frames a set: enough for the 147-d statistics, few enough for the suite (the real sets are the cost).
COUNT = 256


@pytest.fixture(scope="session")
def evaluator_for() -> Callable[[tuple[str, ...]], Evaluator]:
    """The evaluator of a game set (COUNT frames, seed 0), built once per session."""
    built: dict[tuple[str, ...], Evaluator] = {}

    def get(games: tuple[str, ...]) -> Evaluator:
        if games not in built:
            built[games] = Evaluator(list(games), count=COUNT, seed=0)
        return built[games]

    return get
