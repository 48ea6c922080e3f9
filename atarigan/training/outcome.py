"""How a launch ended, in one line a user can act on, and the exit status it gets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from atarigan.model.gan_step import StepResult
from atarigan.stop_signals import EXIT_INTERRUPTED


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite."""


def check_finite(result: StepResult, iteration: int) -> None:
    if not all(math.isfinite(v) for v in result):
        raise TrainingDiverged(
            f"loss is not finite at iteration {iteration} (loss_d={result.loss_d}, loss_g={result.loss_g})"
        )


#: Every way a launch ends, and its exit status.
EXIT_STATUS = {"done": 0, "early_stop": 0, "interrupted": EXIT_INTERRUPTED, "diverged": 1, "failed": 1}


@dataclass(frozen=True)
class Outcome:
    status: str  # a key of EXIT_STATUS
    iteration: int  # the last iteration trained (the start iteration if none was)
    saved: Path | None  # the checkpoint this launch wrote last, if any
    kept: Path | None  # the newest checkpoint of the run after this launch
    detail: str = ""  # why: the signal's name, the divergence, the failed save

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.status]

    def line(self, resume_command: str) -> str:
        """What happened and what was kept, in one line; with the command that continues it where there is one."""
        kept = f"kept {self.kept}" if self.kept else "nothing was kept"
        resume = f"; resume with: {resume_command}" if self.kept and self.status != "done" else ""
        if self.status == "interrupted":
            if self.saved is not None:
                return f"interrupted ({self.detail}) at iteration {self.iteration}: saved {self.saved}{resume}"
            what = "nothing was written" if self.kept is None else f"{self.kept} is unchanged"
            return f"interrupted ({self.detail}) before training: {what}{resume}"
        if self.status == "diverged":
            return f"{self.detail}; stopped without saving it, {kept}{resume}"
        if self.status == "failed":
            return f"{self.detail}; stopped{resume}"
        where = f"saved {self.saved}" if self.saved else kept
        stopped = f"stopped early at iteration {self.iteration} ({self.detail})" if self.status == "early_stop" else \
            f"done at iteration {self.iteration}"
        return f"{stopped}: {where}"
