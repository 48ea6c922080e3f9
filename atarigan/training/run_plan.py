"""What a launch will do, decided once before anything starts: the config, the run directory, where it resumes.

:func:`plan_run` applies each field's resume rule (:class:`~atarigan.config.option.Resume`),
resolves ``auto`` device and precision, picks the run directory, and checks it all,
so a bad flag, a corrupt checkpoint or a taken directory is one line before any
emulator or process starts. The plan is frozen; every process of a run gets it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atarigan.config.option import Resume, flag_of, option_of, shown
from atarigan.config.run_config import RunConfig
from atarigan.model.device import cpu_has_fast_bf16, resolve_channels_last, resolve_device, resolve_precision
from atarigan.model.checkpoint import check_networks_match, checkpoint_iteration, list_checkpoints, load_checkpoint
from atarigan.training.run_dir import check_new_run_dir, new_run_dir, unique_path


@dataclass(frozen=True)
class RunPlan:
    config: RunConfig  # as it will run: device, precision and channels_last resolved, logdir the run directory
    start_iteration: int
    resume_from: Path | None  # the checkpoint this launch continues
    run_id: str  # the line of checkpoints this run writes; a branch starts a new one
    parent: dict[str, Any] | None = None  # the run and iteration a branch started from
    notes: tuple[str, ...] = ()  # what the start-up line adds (a branch, a changed value, a slow precision)

    @property
    def run_dir(self) -> Path:
        return Path(self.config.launch.logdir)

    def start_line(self) -> str:
        c = self.config
        what = (f"resuming {self.run_dir} at iteration {self.start_iteration}" if self.resume_from
                else f"new run {self.run_dir}")
        precision = "bf16 autocast" if c.launch.precision == "bf16" else "fp32"
        if c.launch.channels_last:
            precision += ", channels-last"
        processes = f", {c.launch.nproc_per_node} processes ({c.launch.backend})" if c.launch.nproc_per_node > 1 else ""
        return (f"{what}: {' '.join(c.train.games)}, {c.train.iterations} iterations, {c.launch.device}, "
                f"{precision}, trainer {c.launch.trainer}{processes}")

    def run_record(self) -> dict[str, Any]:
        """What a checkpoint says of the run that wrote it."""
        return {"id": self.run_id, "parent": self.parent}


def _resumed_config(saved: RunConfig, given: RunConfig, explicit: Collection[str]) -> tuple[RunConfig, list[str]]:
    """The checkpoint's config, with each field's resume rule applied to what this launch gives.

    Also one note for each changed value of what the run does (the start-up line already shows
    ``--iterations``; launch settings are this launch's own).
    """
    changes, notes = {}, []
    for part in RunConfig.PARTS:
        for field in dataclasses.fields(getattr(saved, part)):
            name, rule = field.name, option_of(field).resume
            old, new = getattr(getattr(saved, part), name), getattr(getattr(given, part), name)
            if rule is Resume.LAUNCH or (rule is Resume.MAY_CHANGE and name in explicit):
                changes[name] = new
                if rule is Resume.MAY_CHANGE and part != "launch" and name != "iterations" and new != old:
                    notes.append(f"{flag_of(name)} {shown(new)} from here on (the checkpoint's {shown(old)})")
            elif rule is Resume.FIXED and name in explicit and new != old:
                raise ValueError(
                    f"{flag_of(name)} {shown(new)} differs from the checkpoint's {shown(old)}; "
                    "it cannot change on resume (leave it out, or start a new run)"
                )
    return saved.replace(**changes), notes


def _resume_dir(checkpoint: Path, iteration: int, given: RunConfig, explicit: Collection[str],
                in_place: bool = False) -> tuple[Path, bool]:
    """Where a resumed run writes, and whether that is a new branch of it.

    In its own directory if the checkpoint is that directory's newest, or ``in_place`` (the
    user named the directory: its newest when it was read); otherwise (an older one, or
    best.pt) in a new directory (``--logdir``, or ``<run>_from_<N>``), so nothing of the later
    checkpoints is pruned or overwritten.
    """
    directory = checkpoint.parent
    newest = list_checkpoints(directory)
    logdir = Path(given.launch.logdir) if "logdir" in explicit and given.launch.logdir else None
    # A directory named for resuming goes on in place even if a newer checkpoint appeared while
    # this one was read: only a run still writing there makes one, and the directory's lock then
    # refuses this launch with one line (rather than branching it off the live run).
    if checkpoint_iteration(checkpoint) is not None and (in_place or not newest or newest[-1] == checkpoint):
        if logdir is not None and logdir.resolve() != directory.resolve():
            raise ValueError(
                f"--logdir {str(logdir)!r} differs from the checkpoint's run directory {str(directory)!r}; "
                "a resumed run continues in its own directory (leave --logdir out)"
            )
        return directory, False
    branch = logdir or unique_path(directory.with_name(f"{directory.name}_from_{iteration}"))
    check_new_run_dir(branch)
    return branch, True


def plan_run(given: RunConfig, explicit: Collection[str] = ()) -> RunPlan:
    """Decide everything about a launch of ``given`` (``explicit``: the fields the user set) before it starts."""
    notes: list[str] = []
    parent = None
    start, resume_from, run_id = 0, None, uuid.uuid4().hex
    if given.launch.resume is not None:
        resume_from, state = load_checkpoint(given.launch.resume)
        # Here, before the run directory is claimed or branched: a mismatch must leave nothing behind.
        check_networks_match(resume_from, state)
        config, changed = _resumed_config(state["config"], given, explicit)
        start = int(state["trainer"]["iteration"])
        if start >= config.train.iterations:
            raise ValueError(
                f"checkpoint {str(resume_from)!r} is at iteration {start}; pass --iterations above it to train on"
            )
        run_dir, branched = _resume_dir(resume_from, start, given, explicit, Path(given.launch.resume).is_dir())
        run_id = state.get("run", {}).get("id") or run_id
        if branched:
            parent = {"run_dir": str(resume_from.parent), "iteration": start, "id": run_id}
            run_id = uuid.uuid4().hex
            named = resume_from.name if checkpoint_iteration(resume_from) is not None \
                else f"{resume_from.name} (iteration {start})"
            notes.append(f"{named} is not the newest checkpoint of {resume_from.parent}: "
                         f"continuing in {run_dir}, leaving {resume_from.parent} as it is")
        notes.extend(changed)
    else:
        config = given
        run_dir = Path(given.launch.logdir) if given.launch.logdir else new_run_dir(
            "runs", given.train.games, given.launch.trainer)
        check_new_run_dir(run_dir)
    device = resolve_device(config.launch.device)
    precision = resolve_precision(config.launch.precision, device)
    if precision == "bf16" and device.type == "cpu" and not cpu_has_fast_bf16():
        notes.append("bf16 on a CPU without native bf16 (AMX or AVX-512 BF16) is many times slower than fp32 "
                     "(pass --precision fp32)")
    config.launch.check_device(device)
    backend = config.launch.backend
    if backend is None and config.launch.nproc_per_node > 1:
        backend = "nccl" if device.type == "cuda" else "gloo"
    channels_last = resolve_channels_last(config.launch.channels_last, precision, config.launch.compile)
    config = config.replace(device=str(device), precision=precision, channels_last=channels_last, backend=backend,
                            logdir=str(run_dir), resume=None)
    return RunPlan(config, start, resume_from, run_id, parent, tuple(notes))

