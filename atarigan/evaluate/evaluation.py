"""How close the generator's frames are to real ones, in the game classifier's feature space.

Three numbers, all from the same ``count`` frames per set:

- ``frechet_distance``: the Fréchet distance (FID's formula, torchmetrics computes
  it) between features of real frames and of generated frames;
- ``real_floor``: the same distance between two independent real sets. A
  generator cannot be told from real play below this: it is the noise floor for
  this ``count``;
- ``game_share`` and ``top_probability``: which game the classifier assigns each
  fake to, and how sure it is on average. A missing game means mode collapse;
  a low top probability means frames that look like no game.

The features are those of a small classifier trained only to tell the games apart,
so the distance sees what separates the games (layouts, colours, sprites), not
every detail of a frame. Compare numbers only between runs on the same games,
``count`` and classifier.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torchmetrics.image.fid import FrechetInceptionDistance

from atarigan.config.model_config import ModelConfig
from atarigan.config.seeds import derive_seed
from atarigan.data.frame_sampler import FrameSampler
from atarigan.data.normalize import frames_to_tanh_range, tanh_range_to_unit
from atarigan.evaluate.game_classifier import (
    ClassifierFeatures,
    GameClassifier,
    load_or_train_classifier,
    to_classifier_size,
)
from wrappers.games import game_name

#: Features are 64-d; far fewer frames than that make the covariance singular.
MIN_COUNT = 128


@dataclass
class Evaluation:
    frechet_distance: float
    real_floor: float
    game_share: dict[str, float]
    top_probability: float
    real_top_probability: float
    classifier_accuracy: float
    count: int

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def real_frames(games: Sequence[str], count: int, seed: int, image_size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` real random-agent frames in [-1, 1] (mixed games) and their game indices."""
    with FrameSampler(games, count, envs_per_game=4, size=image_size, seed=seed) as sampler:
        batch = next(iter(sampler))
    return frames_to_tanh_range(batch.frames), batch.games


class Evaluator:
    """Samples two real sets once, at the model's image size; then scores any generator's frames against them."""

    def __init__(self, games: Sequence[str], model: ModelConfig = ModelConfig(), count: int = 1000, seed: int = 0,
                 device: str | torch.device = "cpu", cache_dir: Path | None = None,
                 classifier: GameClassifier | None = None) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or count < MIN_COUNT:
            raise ValueError(f"count must be an integer of at least {MIN_COUNT} (features are 64-d); got {count!r}")
        self.games = [game_name(g) for g in games]
        self.count = count
        self.image_size = model.image_size
        self.device = torch.device(device)
        self.accuracy = float("nan")
        if classifier is None:
            classifier, self.accuracy = load_or_train_classifier(games, seed=0, device=self.device, cache_dir=cache_dir)
        self.classifier = classifier.to(self.device).eval()
        self.fid = FrechetInceptionDistance(
            feature=ClassifierFeatures(self.classifier), normalize=True, reset_real_features=False
        ).to(self.device)
        real, _ = real_frames(games, count, derive_seed(seed, 0), model.image_size)
        self._update(real, real=True)
        # The floor: a second, independent real set scored as if it were generated.
        other, _ = real_frames(games, count, derive_seed(seed, 1), model.image_size)
        self.real_floor = self._distance(other)
        self.real_top_probability = self._classify(other)[1]

    def _update(self, images: torch.Tensor, real: bool) -> None:
        for chunk in images.split(256):
            self.fid.update(tanh_range_to_unit(chunk.to(self.device)), real=real)

    def _distance(self, images: torch.Tensor) -> float:
        self.fid.reset()  # drops the previous fakes, keeps the real features
        self._update(images, real=False)
        return float(self.fid.compute())

    @torch.no_grad()
    def _classify(self, images: torch.Tensor) -> tuple[torch.Tensor, float]:
        probs = torch.cat([self.classifier(to_classifier_size(c.to(self.device))).softmax(1) for c in images.split(256)])
        top, game = probs.max(1)
        counts = torch.bincount(game.cpu(), minlength=len(self.games)).float()
        return counts / counts.sum(), float(top.mean())

    def __call__(self, images: torch.Tensor) -> Evaluation:
        """Score ``images`` (N, 3, S, S) in [-1, 1]; comparable with other scores only at N == count."""
        if tuple(images.shape[1:]) != (3, self.image_size, self.image_size):
            raise ValueError(f"this evaluator compares (3, {self.image_size}, {self.image_size}) frames with real ones; "
                             f"got frames of shape {tuple(images.shape[1:])}")
        share, top = self._classify(images)
        return Evaluation(
            frechet_distance=self._distance(images),
            real_floor=self.real_floor,
            game_share=dict(zip(self.games, share.tolist())),
            top_probability=top,
            real_top_probability=self.real_top_probability,
            classifier_accuracy=self.accuracy,
            count=len(images),
        )
