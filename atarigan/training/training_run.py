"""Everything a trainer drives, built from a :class:`RunPlan` in stages that a Ctrl-C can stop between."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from tqdm import tqdm

from atarigan.config.seeds import RunSeeds
from atarigan.data.frame_sampler import FrameBatch, FrameSampler
from atarigan.data.normalize import frames_to_tanh_range
from atarigan.evaluate.corruptions import playfields
from atarigan.evaluate.evaluation import Evaluator, real_frames
from atarigan.model.gan import Gan
from atarigan.stop_signals import Interrupted, StopSignals
from atarigan.training.cpu_threads import ThreadGovernor
from atarigan.model.checkpoint import load_checkpoint, restore_state
from atarigan.training.checkpoint_writer import CheckpointWriter
from atarigan.training.rank_agreement import Agree, any_rank
from atarigan.training.run_log import RunLog
from atarigan.training.run_plan import RunPlan

#: torch CPU threads when training on a GPU: more starve the emulator threads (README, "Performance").
CUDA_HOST_THREADS = 4
#: Replayed batches between two looks at the stop signals (each is a collective in a multi-process run).
REPLAY_CHECK_EVERY = 256
#: Real frames per game whose per-pixel median is the game's playfield (--sprite-negatives, --generator-playfield).
PLAYFIELD_FRAMES = 128


@dataclass
class TrainingRun:
    plan: RunPlan
    device: torch.device
    gan: Gan
    sampler: FrameSampler
    batches: Iterator[FrameBatch]
    rank: int = 0
    world_size: int = 1
    progress: dict | None = None  # the best evaluation so far, from the checkpoint resumed
    log: RunLog | None = None  # rank 0 only
    checkpoints: CheckpointWriter | None = None  # rank 0 only
    evaluator: Evaluator | None = None  # rank 0 with eval_every only
    threads: ThreadGovernor | None = None  # torch's CPU threads, following the machine's load (--threads)

    @classmethod
    def start(cls, plan: RunPlan, stop: StopSignals, *, say: Callable[[str], None] = tqdm.write, rank: int = 0,
              world_size: int = 1, device: torch.device | None = None, agree: Agree = None) -> TrainingRun:
        """Build the networks (restored on resume), start the emulators, replay the frame stream.

        Raises :class:`Interrupted` if a stop signal came on any process meanwhile:
        nothing has been written then, and the emulators are closed.
        """

        def check() -> None:
            if any_rank(agree, stop.requested)[0]:
                raise Interrupted(stop.received or "a signal to another process")

        config, say = plan.config, say if rank == 0 else (lambda _: None)
        device = device or torch.device(config.launch.device)
        # Each process of the run takes its share of the cores; a GPU run's CPU threads only feed the GPU.
        local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", world_size))
        ceiling = CUDA_HOST_THREADS if device.type == "cuda" else max(1, (os.cpu_count() or 1) // local_processes)
        threads = ThreadGovernor(config.launch.threads, ceiling)  # it measures the load from here on
        # A start-up that fails undoes what it began: the emulators closed, the caller's thread count back.
        with contextlib.ExitStack() as undo:
            undo.callback(threads.restore)
            if device.type == "cuda":
                torch.backends.cudnn.benchmark = True  # batch shapes never change, so the search pays once
            gan = Gan(config, device, rank, plan.start_iteration)
            seeds = gan.seeds
            progress = None
            if plan.resume_from is not None:
                state = load_checkpoint(plan.resume_from)[1]
                restore_state(gan, state["gan"], plan.resume_from)
                progress = state.get("progress")
            check()
            train = config.train
            if gan.needs_playfields:  # a resumed run has its own back from the checkpoint
                say("finding each game's playfield")
                frames, games_of = real_frames(train.games, PLAYFIELD_FRAMES * len(train.games), seeds.playfields(),
                                               config.model.image_size)
                gan.found_playfields(playfields(frames, games_of, len(train.games)))
                check()
            say(f"starting {train.envs_per_game * len(train.games)} emulators ({train.envs_per_game} per game)")
            sampler = FrameSampler(train.games, train.batch_size, envs_per_game=train.envs_per_game,
                                   size=config.model.image_size, seed=seeds.sampler(rank),
                                   pin_memory=device.type == "cuda")
            undo.callback(sampler.close)
            batches = iter(sampler)
            check()
            # The sampler is seeded, so skipping the batches already trained on gives the
            # resumed run exactly the frames the uninterrupted run would have seen.
            replay = range(plan.start_iteration)
            for i in tqdm(replay, desc="replaying the frame stream", disable=rank != 0 or not replay, leave=False):
                next(batches)
                if i % REPLAY_CHECK_EVERY == 0:
                    check()
            evaluator = None
            if train.eval_every and rank == 0:
                say("preparing the quality numbers (--eval-every)")
                evaluator = Evaluator(train.games, config.model, train.eval_count, seeds.evaluation(), device)
            check()
            run = cls(plan, device, gan, sampler, batches, rank, world_size, progress, evaluator=evaluator,
                      threads=threads)
            threads.check()  # the load over the start-up (the run's own work left out) sets the first count
            say(threads.describe())
            if rank == 0:
                run.log = RunLog(plan.run_dir, plan.start_iteration, config)
                run.checkpoints = CheckpointWriter(plan.run_dir, plan.run_id)
            undo.pop_all()  # started: close() undoes it when the run ends
            return run

    @property
    def seeds(self) -> RunSeeds:
        """The run's random streams: the networks' own (one place builds them)."""
        return self.gan.seeds

    @property
    def config(self):
        return self.plan.config

    @property
    def start_iteration(self) -> int:
        return self.plan.start_iteration

    def next_real(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next real batch in [-1, 1] on the training device, and each frame's game index."""
        batch = next(self.batches)
        return frames_to_tanh_range(batch.frames, self.device), batch.games

    def train_step(self) -> tuple[torch.Tensor, torch.Tensor]:
        """One iteration, as both trainers drive it: the next real batch and the shared GAN step on it.

        Returns the batch (for the grids) and the step's four numbers, left on the device.
        """
        real, games = self.next_real()
        return real, self.gan.step(real, games)

    def close(self) -> None:
        self.sampler.close()
        if self.threads is not None:
            self.threads.restore()  # a run from Python leaves torch's threads as it found them
        if self.log is not None:
            self.log.close()
