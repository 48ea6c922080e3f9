"""One owner of a run's life: plan it, claim its directory, take the stop signals, train, release, say how it ended.

``atarigan train``, the scripts, each sweep trial and the bench's whole-run rows all
go through :func:`train`; called from Python it behaves as the CLI does (the same
run directory, lock, checkpoints and TensorBoard events), but returns a
:class:`TrainResult` and raises instead of printing errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from atarigan.config.launch_config import LaunchConfig
from atarigan.config.model_config import ModelConfig
from atarigan.config.run_config import RunConfig
from atarigan.config.train_config import TrainConfig
from atarigan.evaluate.evaluation import Evaluation
from atarigan.model.checkpoint import BEST_NAME, list_checkpoints
from atarigan.stop_signals import Interrupted, StopSignals
from atarigan.training.outcome import Outcome


@dataclass(frozen=True)
class TrainResult:
    """How a run ended and what it kept."""

    run_dir: Path
    status: str  # done, early_stop, interrupted, diverged or failed
    iteration: int  # the last iteration trained
    checkpoint: Path | None  # the run's newest checkpoint: where ``--resume`` goes on
    best: Path | None  # best.pt, the best-scoring checkpoint (runs with eval_every)
    evaluation: Evaluation | None  # the last quality numbers of this launch (runs with eval_every)
    line: str  # what the CLI prints: what happened, what was kept, how to go on
    exit_status: int  # the CLI's: 0 done, 130 interrupted, 1 diverged or failed
    view: str  # the command that shows the run in TensorBoard
    lead: bool = True  # False on torchrun's ranks other than global rank 0: rank 0 saves, and says how the run ended

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


class TrainingInterrupted(Interrupted):
    """Ctrl-C, SIGTERM or SIGHUP stopped the run after it saved; ``result`` says what was kept.

    An :class:`~atarigan.stop_signals.Interrupted` (so a ``KeyboardInterrupt``): a command that trains
    inside its own work (``atarigan bench``'s trainer rows) reports the signal it got, by name.
    """

    def __init__(self, result: TrainResult, signal_name: str) -> None:
        super().__init__(signal_name)
        self.args = (result.line,)
        self.result = result


def _config_of(config: RunConfig | TrainConfig, model: ModelConfig | None, launch: LaunchConfig | None,
               logdir: str | Path | None, resume: str | Path | None) -> RunConfig:
    if isinstance(config, TrainConfig):
        config = RunConfig(model=model or ModelConfig(), train=config, launch=launch or LaunchConfig())
    elif not isinstance(config, RunConfig):
        raise TypeError(f"train takes a TrainConfig or a RunConfig, got {type(config).__name__}")
    elif model is not None or launch is not None:
        raise TypeError("give model and launch inside the RunConfig, or pass a TrainConfig with them")
    changes = {k: str(v) for k, v in (("logdir", logdir), ("resume", resume)) if v is not None}
    return config.replace(**changes) if changes else config


def _set_fields(config: RunConfig) -> set[str]:
    """The fields that differ from their defaults: what a caller "typed" (resuming keeps the others' saved values)."""
    defaults = RunConfig().values()
    return {name for name, value in config.values().items() if value != defaults[name]}


def train(
    config: RunConfig | TrainConfig,
    *,
    model: ModelConfig | None = None,
    launch: LaunchConfig | None = None,
    logdir: str | Path | None = None,
    resume: str | Path | None = None,
    say: Callable[[str], None] | None = print,
    on_evaluation: Callable[[int, Evaluation], None] | None = None,
    explicit: Collection[str] | None = None,
    stop: StopSignals | None = None,
) -> TrainResult:
    """Train the GAN by ``config`` to its end; the same run as ``atarigan train`` with those settings.

    ``logdir``/``resume`` as the flags. ``say`` gets the start-up line, notes and the final
    line (None: silent). A stop signal (Ctrl-C) finishes the step, saves, and raises
    :class:`TrainingInterrupted` (a ``KeyboardInterrupt``) carrying the result; bad
    settings raise ``ValueError``/``TypeError`` naming them, before anything starts. Signals
    are taken only on the main thread (elsewhere, as in some notebook kernels, the run
    is stopped by interrupting the kernel's main thread as usual). ``explicit``: the fields
    the caller set (the CLI's typed flags); by default those that differ from the defaults.
    ``stop``: the caller's :class:`StopSignals`, already taking the signals (the CLI's, from its first line).
    """
    config = _config_of(config, model, launch, logdir, resume)
    explicit = _set_fields(config) if explicit is None else set(explicit)
    if stop is not None:
        return _run(config, explicit, stop, say or (lambda _: None), on_evaluation)
    with StopSignals() as own:
        return _run(config, explicit, own, say or (lambda _: None), on_evaluation)


def _run(config: RunConfig, explicit: set[str], stop: StopSignals, say: Callable[[str], None],
         on_evaluation: Callable[[int, Evaluation], None] | None) -> TrainResult:
    from atarigan.cli.printed_command import atarigan_command, tensorboard_command
    from atarigan.training.distributed import launched_by_torchrun
    from atarigan.training.launch import stopped_before_training
    from atarigan.training.launch import train as launch_plan
    from atarigan.training.run_dir import RunDirectory
    from atarigan.training.run_plan import plan_run

    plan = plan_run(config, explicit)
    lead = not launched_by_torchrun() or os.environ.get("RANK") == "0"
    say = say if lead else (lambda _: None)
    resume = atarigan_command("train", "--resume", str(plan.run_dir))
    say(f"atarigan train: {plan.start_line()}")
    for note in plan.notes:
        say(f"note: {note}")
    directory = RunDirectory(plan.run_dir)
    if lead:
        directory.claim()

    def kept() -> str:
        newest = list_checkpoints(plan.run_dir)
        return f"kept {newest[-1]}; resume with: {resume}" if newest else "no checkpoint was written"

    stop.hard_stop_note = kept
    if lead:
        stop.on_first.append(lambda: print(f"\natarigan train: {stop.received}: stopping after this step "
                                           "(send it again to stop at once)", file=sys.stderr, flush=True))
    last: list[Evaluation] = []

    def heard(iteration: int, evaluation: Evaluation) -> None:
        last[:] = [evaluation]
        if on_evaluation is not None:
            on_evaluation(iteration, evaluation)

    try:
        if stop.requested:  # a signal while planning: nothing has started, and the line says so as start-up's does
            outcome = stopped_before_training(plan, stop.received)
        else:
            outcome = launch_plan(plan, stop, on_evaluation=heard)
    finally:
        directory.release()
    result = _result(plan.run_dir, outcome, outcome.line(resume), last[0] if last else None,
                     tensorboard_command(plan.run_dir), lead)
    if result.status == "interrupted":
        raise TrainingInterrupted(result, outcome.detail)
    return result


def _result(run_dir: Path, outcome: Outcome, line: str, evaluation: Evaluation | None, view: str,
            lead: bool) -> TrainResult:
    newest = list_checkpoints(run_dir) if run_dir.is_dir() else []
    best = run_dir / BEST_NAME
    return TrainResult(run_dir=run_dir, status=outcome.status, iteration=outcome.iteration,
                       checkpoint=newest[-1] if newest else None, best=best if best.is_file() else None,
                       evaluation=evaluation, line=line, exit_status=outcome.exit_status, view=view, lead=lead)


def config_from_args(argv: list[str]) -> RunConfig:
    """A run's config from ``atarigan train``'s flags (``["--iterations", "2000"]``); ``ValueError`` naming a bad one."""
    from atarigan.cli.train import parsed_config

    return parsed_config(argv)[0]


__all__ = ["TrainResult", "TrainingInterrupted", "config_from_args", "train"]
