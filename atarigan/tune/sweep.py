"""A sweep: Ray Tune samples configs, ASHA stops bad trials early on the quality number, each trial a training run.

A trial is an ordinary ``atarigan train`` run in its own directory (TensorBoard
events, checkpoints, best.pt) that reports each evaluation to Tune; a trial that
finds checkpoints in its directory resumes them, so a sweep stopped by Ctrl-C and
started again (Tune restores the experiment) loses at most one evaluation a trial.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atarigan.config.option import flag_of
from atarigan.config.run_config import RunConfig

METRIC = "frechet_distance"


#: The file by which a trial knows it sees the sweep's own directory (on a cluster: shared storage).
MARKER = ".atarigan-sweep"


def sweep_marker(runs: Path) -> str:
    """The sweep's mark in ``runs`` (made on the first start, kept after): what each trial must find there."""
    import uuid

    from atarigan.atomic_file import atomic_write

    runs.mkdir(parents=True, exist_ok=True)
    path = runs / MARKER
    if not path.is_file():
        mark = uuid.uuid4().hex
        atomic_write(path, lambda f: f.write(mark.encode()))
    return path.read_text().strip()


def check_sees_the_sweep(runs: Path, marker: str) -> None:
    """Refuse to train where the run directory would be lost: a node that does not see the sweep's directory."""
    path = runs / MARKER
    if not path.is_file() or path.read_text().strip() != marker:
        import socket

        raise RuntimeError(f"node {socket.gethostname()} does not see the sweep's directory {runs}: on a Ray "
                           "cluster give --dir on storage every node mounts at the same path (NFS, a shared disk)")


def trial(params: Mapping[str, Any], base: Mapping[str, Any], runs: str, marker: str | None = None) -> None:
    """One trial, run by Ray in a worker: train with ``base`` + ``params`` in ``runs/<trial>``, report every evaluation.

    The run goes straight into the sweep's directory, not Ray's per-session staging
    directory (``get_trial_dir()``): a trial restored in a later session then finds its
    checkpoints, and nothing is copied over them. A trial on a node that does not see that
    directory (``marker`` not found there) fails at once rather than train into a local one.
    """
    from ray import tune

    from atarigan.model.checkpoint import list_checkpoints, load_checkpoint
    from atarigan.stop_signals import StopSignals
    from atarigan.training.run import train

    if marker is not None:
        check_sees_the_sweep(Path(runs), marker)
    run_dir = Path(runs) / tune.get_context().get_trial_name()
    values = {**base, **params, "logdir": str(run_dir)}
    if list_checkpoints(run_dir):  # the sweep was stopped and is going on again: so is this trial
        state = load_checkpoint(run_dir, mmap=True)[1]
        if state["trainer"]["iteration"] >= values["iterations"]:
            # It had trained to its end when the sweep stopped, before Tune heard that it ended: report its
            # last evaluation again (kept in the checkpoint), and end.
            tune.report(_report(state.get("progress", {}).get("last") or {}))
            return
        values = {"resume": str(run_dir), "iterations": values["iterations"]}

    def report(iteration: int, result) -> None:
        tune.report(_report({"frechet_distance": result.frechet_distance, "kernel_distance": result.kernel_distance,
                             "not_a_game": result.not_a_game, "iteration": iteration}))

    # Ray's worker owns the signals; the sweep's driver stops trials through Tune.
    result = train(RunConfig.from_values(values), explicit=set(values), say=None, on_evaluation=report,
                   stop=StopSignals(escalate=False))
    if not result.ok:
        raise RuntimeError(f"trial ended: {result.line}")


def _report(numbers: Mapping[str, Any]) -> dict[str, Any]:
    """What a trial reports to Tune: the quality numbers (``METRIC`` first) and the iteration."""
    return {METRIC: numbers.get("frechet_distance", math.nan), "kernel_distance": numbers.get("kernel_distance", math.nan),
            "not_a_game": numbers.get("not_a_game"), "iteration": numbers.get("iteration", 0)}


@dataclass
class SweepResult:
    best_params: dict[str, Any] | None  # None: no trial was evaluated yet
    best_frechet_distance: float
    best_trial_dir: str | None
    finished: bool  # False: stopped before every trial ended (run the same command again to go on)


def train_flags(values: Mapping[str, Any]) -> list[str]:
    """``atarigan train`` flags giving these config values."""
    flags: list[str] = []
    for name, value in values.items():
        if isinstance(value, bool):
            flags.append(flag_of(name) if value else flag_of(name).replace("--", "--no-"))
        elif isinstance(value, (tuple, list)):
            flags += [flag_of(name), *(map(str, value) if value else ["none"])]
        elif value is not None:
            flags += [flag_of(name), f"{value:g}" if isinstance(value, float) else str(value)]
    return flags


def run_sweep(base: Mapping[str, Any], space: dict[str, Any], samples: int, experiment: Path,
              cpus_per_trial: int, grace: int, address: str | None) -> SweepResult:
    """Run (or, if ``experiment`` holds one, go on with) the sweep; the best trial by its best evaluation.

    With ``address`` the sweep joins that Ray cluster (:mod:`atarigan.tune.cluster`, prepared
    before Ray was imported); its trials, wherever Ray places them, write under ``experiment``,
    which every node must see.
    """
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    from atarigan.tune.cluster import start_ray

    start_ray(address)
    try:
        experiment = experiment.absolute()
        marker = sweep_marker(experiment / "runs")
        trainable = tune.with_resources(
            tune.with_parameters(trial, base=dict(base), runs=str(experiment / "runs"), marker=marker),
            {"cpu": cpus_per_trial})
        if tune.Tuner.can_restore(str(experiment)):
            tuner = tune.Tuner.restore(str(experiment), trainable, resume_unfinished=True, resume_errored=True)
        else:
            # max_t one past the end: a trial at its last evaluation ends by itself (saving, writing its HParams)
            # rather than being stopped by the scheduler while it does so.
            scheduler = ASHAScheduler(time_attr="iteration", max_t=base["iterations"] + 1, grace_period=grace,
                                      reduction_factor=2)
            tuner = tune.Tuner(trainable, param_space=space,
                               tune_config=tune.TuneConfig(metric=METRIC, mode="min", scheduler=scheduler,
                                                           num_samples=samples),
                               run_config=tune.RunConfig(name=experiment.name,
                                                         storage_path=str(experiment.parent.absolute()),
                                                         verbose=1))
        results = tuner.fit()
        finished = results.num_terminated + results.num_errors == len(results)
        evaluated = [r for r in results if r.metrics_dataframe is not None and METRIC in r.metrics_dataframe
                     and r.metrics_dataframe[METRIC].notna().any()]
        if not evaluated:  # stopped (or failed) before any trial's first evaluation: nothing to rank yet
            return SweepResult(None, math.nan, None, finished)
        # Ranked here over the evaluated trials only: Tune's get_best_result fails on a trial without the metric.
        best = min(evaluated, key=lambda r: float(r.metrics_dataframe[METRIC].min()))
        best_value = float(best.metrics_dataframe[METRIC].min())
        return SweepResult({k: best.config[k] for k in space or best.config}, best_value,
                           str(experiment / "runs" / _trial_name(best)), finished)
    finally:
        ray.shutdown()


def _trial_name(result) -> str:
    """A result's trial name (``trial_<id>``), as the trial saw it in ``get_trial_name()``."""
    return f"trial_{result.metrics['trial_id']}"


def write_best(result: SweepResult, command: str, path: Path) -> None:
    """The best trial so far, as JSON; ``finished`` False: the sweep was stopped and may go on."""
    from atarigan.atomic_file import atomic_write

    data = {"best_config": result.best_params, METRIC: result.best_frechet_distance,
            "trial_dir": result.best_trial_dir, "command": command, "finished": result.finished}
    text = json.dumps(data, indent=2, default=list)
    atomic_write(path, lambda f: f.write(text.encode()))
