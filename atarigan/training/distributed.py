"""Several processes of one run on this machine, through ``ignite.distributed``; or one rank of torchrun's.

Processes are started here (``torch.multiprocessing.start_processes``) and each
joins the process group with ``idist.Parallel`` from the environment, as under
torchrun. Starting them here, not in ``idist.Parallel(nproc_per_node=...)``,
lets this launcher own their signals: they start with SIGINT and SIGTERM
blocked, take them once their handler is in place, and a Ctrl-C or SIGTERM sent
to this process alone reaches every one of them. Rank 0's :class:`Outcome` comes
back through a pipe, never as an exception's text; a rank that dies (killed, or an
error of its own) ends the run with one line naming it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import warnings
from collections.abc import Callable
from multiprocessing import resource_tracker

import ignite.distributed as idist
import torch
import torch.multiprocessing as mp

from atarigan.stop_signals import HANDLED, StopSignals
from atarigan.training.outcome import Outcome
from atarigan.training.run_plan import RunPlan


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "LOCAL_RANK" in os.environ


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it), so two runs at once do not collide."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def master_port() -> int:
    """``MASTER_PORT`` if set (and free), else a free port: one clear line instead of a rank's traceback."""
    given = os.environ.get("MASTER_PORT")
    if not given:
        return free_port()
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", int(given)))
        except (OSError, ValueError):
            raise ValueError(f"MASTER_PORT {given} is in use or not a port (another run?); "
                             "unset MASTER_PORT to let atarigan pick a free one") from None
    return int(given)


def as_rank(plan: RunPlan, stop: StopSignals, train_here: Callable[..., Outcome]) -> Outcome:
    """This process's part of a multi-process run: join the group (from the environment), train, leave."""
    outcomes: list[Outcome] = []

    def rank_main(local_rank: int) -> None:
        # Each rank's CPU threads: its share of this machine's cores (TrainingRun's ThreadGovernor).
        device = idist.device() if plan.config.launch.device != "cpu" and torch.cuda.is_available() else None
        outcomes.append(train_here(plan, stop, rank=idist.get_rank(), world_size=idist.get_world_size(),
                                   device=device, agree=idist.all_reduce))

    # ignite's INFO lines on joining and leaving the group (and wrapping for DDP) add nothing the start-up line
    # does not say; its warnings still show.
    for name in ("ignite.distributed.launcher.Parallel", "ignite.distributed.auto.auto_model"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with idist.Parallel(backend=plan.config.launch.backend) as parallel:
        parallel.run(rank_main)
    return outcomes[0]


def _spawned_rank(local_rank: int, plan: RunPlan, port: int, outcome_pipe, train_here: Callable[..., Outcome]) -> None:
    nproc = plan.config.launch.nproc_per_node
    os.environ.update(RANK=str(local_rank), LOCAL_RANK=str(local_rank), WORLD_SIZE=str(nproc),
                      LOCAL_WORLD_SIZE=str(nproc), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    # tqdm's default lock is a multiprocessing semaphore registered with the launcher's resource tracker: a rank
    # killed outright would leave it behind ("leaked semaphore" at exit). A rank's bars are its own: a thread lock.
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())
    # The launcher decides when to stop hard: a rank only ever stops at a step boundary.
    with StopSignals(escalate=False) as stop:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED)  # blocked since start-up; pending ones arrive now
        try:
            outcome = as_rank(plan, stop, train_here)
        finally:
            # Done: the same signal, forwarded by the launcher a moment later, must not kill this process
            # on its way out (it would be reported as a rank killed by SIGINT).
            signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    if local_rank == 0:
        outcome_pipe.send(outcome)


def spawn_ranks(plan: RunPlan, stop: StopSignals, train_here: Callable[..., Outcome]) -> Outcome:
    """Run ``plan`` in ``nproc_per_node`` new processes; pass stop signals on; return rank 0's outcome."""
    # A pipe, not a queue: only rank 0 writes, and a pipe holds no semaphore for a killed rank to leave behind.
    outcomes, outcome_pipe = mp.get_context("spawn").Pipe(duplex=False)
    port = master_port()
    # multiprocessing starts its resource tracker on the first spawn and then *unblocks* SIGINT and SIGTERM in
    # this process: started now, before the block, it cannot undo the mask the ranks must inherit.
    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    try:
        context = mp.start_processes(_spawned_rank, args=(plan, port, outcome_pipe, train_here),
                                     nprocs=plan.config.launch.nproc_per_node, join=False, start_method="spawn")
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def send(signum: int | None = None) -> Callable[[], None]:
        def to_every_rank() -> None:
            # The signal this process got (SIGINT or SIGTERM), so the ranks say the same.
            number = signum or signal.Signals[stop.received or "SIGINT"]
            for process in context.processes:
                if process.is_alive():
                    os.kill(process.pid, number)
        return to_every_rank

    stop.on_first.append(send())
    stop.on_hard_stop.append(send(signal.SIGKILL))
    # A signal that came while they started is theirs too.
    if stop.requested:
        send()()
    try:
        while not context.join(grace_period=RANK_GRACE_SECONDS):
            pass
    except (mp.ProcessExitedException, mp.ProcessRaisedException) as exc:
        return _lost_rank(plan, exc)
    if not outcomes.poll():
        raise RuntimeError("rank 0 ended without saying how")
    return outcomes.recv()


#: Seconds the other ranks get to end by themselves once one has died (their next collective fails), before
#: they are terminated.
RANK_GRACE_SECONDS = 10


def _lost_rank(plan: RunPlan, exc: Exception) -> Outcome:
    """A rank that died (killed, or an error of its own): the others cannot go on without it. One line, the
    checkpoints as they were (each was written whole, so the newest is good)."""
    from atarigan.model.checkpoint import list_checkpoints

    who = f"process {exc.error_index} of {plan.config.launch.nproc_per_node}"
    if isinstance(exc, mp.ProcessExitedException):
        how = f"was killed by {exc.signal_name}" if exc.signal_name else f"exited with status {exc.exit_code}"
    else:  # its traceback's last line: the error itself
        how = "failed: " + next((line for line in reversed(str(exc).splitlines()) if line.strip()), "an error")
    newest = list_checkpoints(plan.run_dir)[-1:] if plan.run_dir.is_dir() else []
    kept = f"kept {newest[0]}" if newest else "no checkpoint was written"
    return Outcome("failed", plan.start_iteration, None, newest[0] if newest else None,
                   f"{who} {how} and the run cannot go on without it; {kept}")


def wrap_for_ddp(run) -> None:
    """In a run of several processes, train each network through ``DistributedDataParallel`` (``idist.auto_model``).

    The same for both trainers. Checkpoints still hold the plain networks, so a distributed
    run resumes in one process and vice versa. ``broadcast_buffers=False``: DDP otherwise
    re-broadcasts BatchNorm's running stats in place at every forward, and D runs forward
    twice (real, fake) before one backward, which autograd rejects on GPU. Each rank keeps
    its own running stats; rank 0's are saved. SyncBatchNorm would also work, but it adds a
    collective per BatchNorm layer and changes the per-batch statistics the book's networks
    train with.
    """
    if run.world_size == 1:
        return  # auto_model would wrap a single process with DataParallel on a multi-GPU host
    gan = run.gan
    with warnings.catch_warnings():
        # Newer torch deprecates broadcast_buffers for forward_sync_buffers, which still syncs the buffers once at
        # the start: not what rank-local statistics want (see above); the warning says to keep it meanwhile.
        warnings.filterwarnings("ignore", message=".*broadcast_buffers.* is deprecated", category=FutureWarning)
        gan.train_through(idist.auto_model(gan.generator, sync_bn=False, broadcast_buffers=False),
                          idist.auto_model(gan.discriminator, sync_bn=False, broadcast_buffers=False))

