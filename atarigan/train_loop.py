"""The plain PyTorch training loop: reads like the book's, with the shared GAN step."""

from __future__ import annotations

import time
from pathlib import Path

from tqdm import tqdm

from atarigan.deferred_interrupt import DeferredInterrupt
from atarigan.tensorboard_log import log_scalars
from atarigan.train_config import TrainConfig
from atarigan.training_run import check_finite, resume_hint, start_run


def train_loop(config: TrainConfig, resume: str | Path | None = None, explicit: set[str] = frozenset()) -> Path:
    """Train; return the run directory.

    Ctrl-C finishes the current step, saves a checkpoint, flushes TensorBoard and
    raises ``KeyboardInterrupt``; a NaN/inf loss raises ``TrainingDiverged`` and
    leaves the last good checkpoint as it was.
    """
    run = start_run(config, resume, explicit)
    config, gan = run.config, run.gan
    iteration = run.start_iteration
    sums = [0.0, 0.0, 0.0, 0.0]
    window_start, window_iters = time.perf_counter(), 0
    progress = tqdm(total=config.iterations, initial=iteration, desc="train", unit="it", dynamic_ncols=True)
    try:
        with DeferredInterrupt() as stop:
            while iteration < config.iterations and not stop.requested:
                real = run.next_real()
                result = gan.step(real)
                check_finite(result, iteration + 1)
                iteration += 1
                window_iters += 1
                sums = [s + v for s, v in zip(sums, result)]
                progress.update(1)

                if iteration % config.report_every == 0:
                    elapsed = time.perf_counter() - window_start
                    means = dict(zip(("loss_d", "loss_g", "d_real", "d_fake"), (s / window_iters for s in sums)))
                    log_scalars(run.writer, iteration, {
                        **means,
                        "iterations_per_s": window_iters / elapsed,
                        "frames_per_s": window_iters * config.batch_size / elapsed,
                    })
                    progress.set_postfix(loss_d=f"{means['loss_d']:.3f}", loss_g=f"{means['loss_g']:.3f}")
                    sums, window_start, window_iters = [0.0] * 4, time.perf_counter(), 0
                if iteration % config.image_every == 0:
                    run.log_images(iteration, real)
                if config.eval_every and iteration % config.eval_every == 0:
                    run.log_evaluation(iteration)
                if iteration % config.checkpoint_every == 0:
                    run.save(iteration)
        if iteration > run.start_iteration and iteration % config.checkpoint_every:
            path = run.save(iteration)
            if stop.requested:
                progress.write(f"interrupted at iteration {iteration}; saved {path}")
        if stop.requested:
            progress.write(resume_hint(run.run_dir))
            raise KeyboardInterrupt
    finally:
        progress.close()
        run.close()
    return run.run_dir
