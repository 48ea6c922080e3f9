"""The Ignite trainer: the shared GAN step handed to an ``Engine``, everything else as handlers.

Runs on one device, or on several through ``ignite.distributed`` (``idist.Parallel``
spawns ``nproc_per_node`` processes, or picks up the ones ``torchrun`` started).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import ignite.distributed as idist
import torch
from ignite.engine import Engine, Events
from ignite.handlers import Checkpoint, DiskSaver, ProgressBar, TerminateOnNan, Timer
from ignite.handlers.tensorboard_logger import OutputHandler, TensorboardLogger
from ignite.metrics import RunningAverage
from tqdm import tqdm

from atarigan.checkpoint import find_checkpoint, prune_checkpoints
from atarigan.deferred_interrupt import DeferredInterrupt
from atarigan.gan_step import StepResult
from atarigan.tensorboard_log import SCALAR_TAGS, new_run_dir
from atarigan.train_config import TrainConfig
from atarigan.training_run import TrainingDiverged, TrainingRun, check_finite, resume_hint, start_run

#: StepResult fields averaged by RunningAverage; the speed tags come from a Timer.
_AVERAGED = ("loss_d", "loss_g", "d_real", "d_fake")
_SPEED = ("iterations_per_s", "frames_per_s")


def _tag_parts(key: str) -> tuple[str, str]:
    """'loss_d' -> ('loss', 'discriminator'): OutputHandler writes '<tag>/<name>'."""
    group, name = SCALAR_TAGS[key].split("/")
    return group, name


def gan_engine(run: TrainingRun) -> Engine:
    """An ``Engine`` whose every iteration is one shared GAN step on the run's next real batch.

    One epoch is one iteration (``epoch_length=1``), so ``max_epochs`` is the
    iteration budget and raising it extends a finished run, as in checkpoints
    written by the plain loop. The output is read to floats every iteration, as
    ignite's handlers (``TerminateOnNan``, ``RunningAverage``) expect; the plain loop
    defers that read to its report window, which matters on a GPU.
    """

    def step(engine: Engine, _: None) -> StepResult:
        engine.state.real = run.next_real()
        return run.gan.step(engine.state.real)

    return Engine(step)


def _attach_stop_checks(trainer: Engine, stop: DeferredInterrupt) -> None:
    """NaN/inf loss and Ctrl-C, decided together on every rank before any other handler runs.

    ``TerminateOnNan`` spots a bad loss on this rank. The decision is then all-reduced:
    a rank that stopped alone would leave the others blocked in their next collective.
    Raising here, ahead of the checkpoint handler, means bad weights are never saved.
    """
    trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())

    @trainer.on(Events.ITERATION_COMPLETED)
    def decide(engine: Engine) -> None:
        flags = torch.tensor([float(engine.should_terminate), float(stop.requested)])
        if idist.get_world_size() > 1:
            flags = idist.all_reduce(flags)
        if flags[0] > 0:
            output = engine.state.output
            if all(math.isfinite(v) for v in output):
                raise TrainingDiverged(f"loss is not finite on another rank at iteration {engine.state.iteration}")
            check_finite(output, engine.state.iteration)
        if flags[1] > 0:
            raise KeyboardInterrupt


def _attach_logging(trainer: Engine, run: TrainingRun) -> None:
    config = run.config
    for key in _AVERAGED:
        # An exponential average (ignite's alpha 0.98, about 50 iterations of memory),
        # also averaged over ranks: the plain loop logs the mean of each report window.
        RunningAverage(output_transform=lambda out, key=key: getattr(out, key)).attach(trainer, _tag_parts(key)[1])

    timer = Timer().attach(trainer, start=Events.STARTED)
    trainer.state.last_report = run.start_iteration

    @trainer.on(Events.ITERATION_COMPLETED(every=config.report_every))
    def measure_speed(engine: Engine) -> None:
        window = engine.state.iteration - engine.state.last_report
        elapsed = timer.value()
        engine.state.iterations_per_s = window / elapsed
        engine.state.frames_per_s = window * config.batch_size * idist.get_world_size() / elapsed
        engine.state.last_report = engine.state.iteration
        timer.reset()

    if run.writer is None:
        return  # not rank 0
    groups: dict[str, list[str]] = {}
    for key in _AVERAGED:
        group, name = _tag_parts(key)
        groups.setdefault(group, []).append(name)
    for group, names in groups.items():
        run.writer.attach(
            trainer,
            OutputHandler(tag=group, metric_names=names, global_step_transform=lambda e, _: e.state.iteration),
            Events.ITERATION_COMPLETED(every=config.report_every),
        )
    run.writer.attach(
        trainer,
        OutputHandler(
            tag=_tag_parts(_SPEED[0])[0],
            state_attributes=[_tag_parts(k)[1] for k in _SPEED],
            global_step_transform=lambda e, _: e.state.iteration,
        ),
        Events.ITERATION_COMPLETED(every=config.report_every),
    )

    @trainer.on(Events.ITERATION_COMPLETED(every=config.image_every))
    def log_images(engine: Engine) -> None:
        run.log_images(engine.state.iteration, engine.state.real)

    if run.evaluator is not None:
        trainer.add_event_handler(
            Events.ITERATION_COMPLETED(every=config.eval_every), lambda e: run.log_evaluation(e.state.iteration)
        )

    progress = ProgressBar(desc="train", persist=True, bar_format=None)  # tqdm's own format shows it/s
    # One epoch is one iteration, so the bar counts epochs and closes when the run does.
    progress.attach(
        trainer, metric_names=groups["loss"], event_name=Events.EPOCH_COMPLETED, closing_event_name=Events.COMPLETED
    )


def _attach_checkpoints(trainer: Engine, run: TrainingRun) -> None:
    """Every ``checkpoint_every`` iterations, at the end, and (through the exception handler) on Ctrl-C."""
    config = run.config
    checkpoint = Checkpoint(
        {"gan": run.gan, "config": config, "trainer": trainer},
        # DiskSaver writes on rank 0 only, to a temp file renamed into place.
        DiskSaver(str(run.run_dir), atomic=True, require_empty=False),
        # Pruned below instead: ignite only knows the files of this session.
        n_saved=None,
        global_step_transform=lambda e, _: e.state.iteration,
    )
    saved_at = {"iteration": run.start_iteration}

    def save(engine: Engine) -> None:
        if engine.state.iteration > saved_at["iteration"]:
            checkpoint(engine)
            saved_at["iteration"] = engine.state.iteration
            if idist.get_rank() == 0:
                prune_checkpoints(run.run_dir, keep=2)

    trainer.add_event_handler(Events.ITERATION_COMPLETED(every=config.checkpoint_every), save)
    trainer.add_event_handler(Events.COMPLETED, save)

    @trainer.on(Events.EXCEPTION_RAISED)
    def on_exception(engine: Engine, exc: BaseException) -> None:
        if isinstance(exc, KeyboardInterrupt):
            # Raised by the stop check after a whole step, so the weights are consistent.
            save(engine)
            if idist.get_rank() == 0:
                tqdm.write(f"interrupted at iteration {engine.state.iteration}; saved in {run.run_dir}")
        raise exc


def _train_rank(local_rank: int, config: TrainConfig, resume: str | None, explicit: set[str], spawned: bool = False) -> None:
    """What every process runs; ``local_rank`` comes from ``idist.Parallel``.

    A spawned rank that was interrupted returns normally: how ``torch.multiprocessing``
    reports a child's ``KeyboardInterrupt`` changed in torch 2.15 (a failure, where it
    was a quiet exit), so the parent, which got the same Ctrl-C, decides the exit code.
    """
    world_size, rank = idist.get_world_size(), idist.get_rank()
    if world_size > 1:
        # Share this machine's cores between the processes instead of each taking them all.
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // idist.get_nproc_per_node()))
    device = idist.device() if world_size > 1 and config.device != "cpu" and torch.cuda.is_available() else None
    run = start_run(config, resume, explicit, rank, world_size, device, writer_class=TensorboardLogger)
    try:
        run.gan.distribute()
        trainer = gan_engine(run)
        if run.checkpoint is not None:
            Checkpoint.load_objects({"trainer": trainer}, run.checkpoint)
        with DeferredInterrupt() as stop:
            _attach_stop_checks(trainer, stop)
            _attach_logging(trainer, run)
            _attach_checkpoints(trainer, run)
            trainer.run(None, max_epochs=run.config.iterations, epoch_length=1)
    except KeyboardInterrupt:
        if rank == 0:
            tqdm.write(resume_hint(run.run_dir))
        if not spawned:
            raise
    finally:
        run.close()


def _plan_run_dir(config: TrainConfig, resume: str | Path | None) -> TrainConfig:
    """Fix the run directory before any process starts, so every rank agrees on it."""
    if resume is not None:
        config.logdir = str(find_checkpoint(resume).parent)
    elif not config.logdir:
        config.logdir = str(new_run_dir("runs", config.games, config.trainer))
    return config


def train_ignite(config: TrainConfig, resume: str | Path | None = None, explicit: set[str] = frozenset()) -> Path:
    """Train with the Ignite ``Engine``; return the run directory.

    ``config.nproc_per_node > 1`` spawns that many processes (backend
    ``config.backend``, default nccl on CUDA, gloo on CPU); under ``torchrun`` the
    launched processes join its process group. Ctrl-C, NaN and checkpoints behave
    as in :func:`atarigan.train_loop.train_loop`.
    """
    config = _plan_run_dir(config, resume)
    resume = str(resume) if resume is not None else None
    spawn = config.nproc_per_node > 1
    backend = config.backend
    launched_by_torchrun = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if backend is None and (spawn or launched_by_torchrun):
        backend = "nccl" if config.device != "cpu" and torch.cuda.is_available() else "gloo"
    if backend is None:
        _train_rank(0, config, resume, explicit)
        return Path(config.logdir)
    try:
        # Ctrl-C reaches every process; this one waits for the ranks to save and exit.
        with DeferredInterrupt() as stop:
            with idist.Parallel(backend=backend, nproc_per_node=config.nproc_per_node if spawn else None) as parallel:
                parallel.run(_train_rank, config, resume, explicit, spawn)
    except torch.multiprocessing.ProcessRaisedException as exc:
        if "TrainingDiverged" in str(exc):
            raise TrainingDiverged(str(exc).strip().splitlines()[-1].split(": ", 1)[-1]) from None
        raise
    if stop.requested:
        raise KeyboardInterrupt
    return Path(config.logdir)
