"""The plain PyTorch training loop: reads like the book's, with the shared GAN step."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from atarigan.deferred_interrupt import DeferredInterrupt
from atarigan.report_window import ReportWindow
from atarigan.tensorboard_log import log_scalars
from atarigan.train_config import TrainConfig
from atarigan.training_run import resume_hint, start_run


def train_loop(config: TrainConfig, resume: str | Path | None = None, explicit: set[str] = frozenset()) -> Path:
    """Train; return the run directory.

    Ctrl-C finishes the current step, saves a checkpoint, flushes TensorBoard and
    raises ``KeyboardInterrupt``; a NaN/inf loss raises ``TrainingDiverged`` and
    leaves the last good checkpoint as it was. Losses are read back once per report
    window and before every save, not every step (see ``ReportWindow``).
    """
    run = start_run(config, resume, explicit)
    config, gan = run.config, run.gan
    iteration = run.start_iteration
    window = ReportWindow(iteration)
    progress = None
    try:
        with DeferredInterrupt() as stop:
            progress = tqdm(total=config.iterations, initial=iteration, desc="train", unit="it", dynamic_ncols=True)
            while iteration < config.iterations and not stop.requested:
                real = run.next_real()
                window.add(gan.step_tensor(real))
                iteration += 1
                progress.update(1)

                if iteration % config.report_every == 0:
                    values = window.report(config.batch_size)
                    log_scalars(run.writer, iteration, values)
                    progress.set_postfix(loss_d=f"{values['loss_d']:.3f}", loss_g=f"{values['loss_g']:.3f}")
                if iteration % config.image_every == 0:
                    run.log_images(iteration, real)
                if config.eval_every and iteration % config.eval_every == 0:
                    run.log_evaluation(iteration)
                if iteration % config.checkpoint_every == 0:
                    window.check()
                    run.save(iteration)
        window.check()
        if iteration > run.start_iteration and iteration % config.checkpoint_every:
            path = run.save(iteration)
            if stop.requested:
                progress.write(f"interrupted at iteration {iteration}; saved {path}")
        if stop.requested:
            progress.write(resume_hint(run.run_dir))
            raise KeyboardInterrupt
    finally:
        if progress is not None:
            progress.close()
        run.close()
    return run.run_dir
