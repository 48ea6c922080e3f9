"""A small CNN that tells which game a frame comes from: the feature space of atarigan's quality number.

Inception features know nothing of Atari and need downloaded weights. This
network learns, from real random-agent frames of the run's own games, what makes
a Breakout frame a Breakout frame; its penultimate layer is where real and
generated frames are compared.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

import torch.nn.functional as F

from atarigan.atomic_file import atomic_write
from atarigan.config.seeds import derive_seed
from atarigan.data.frame_sampler import FrameSampler
from atarigan.data.normalize import frames_to_tanh_range
from wrappers.games import resolve_env_id

#: The classifier sees 64x64 frames; frames of other sizes, real and generated alike, are resized to it.
CLASSIFIER_SIZE = 64


def to_classifier_size(images: torch.Tensor) -> torch.Tensor:
    """(B, 3, S, S) -> (B, 3, 64, 64), so runs at any image size are scored by the same features."""
    if images.shape[-1] == CLASSIFIER_SIZE:
        return images
    return F.interpolate(images, size=(CLASSIFIER_SIZE, CLASSIFIER_SIZE), mode="bilinear", antialias=True)

#: Bump when the architecture or the training recipe changes: cached classifiers are then retrained.
# 2: the sampler's frames are shrunk by downscale_frames, not by ALE.
# 3: the sampler draws its batches' game quotas by systematic sampling: other training batches.
# 4: the sampler's seeds are derived by SeedSequence: other training batches.
RECIPE_VERSION = 4
TRAIN_STEPS = 300
TRAIN_BATCH = 64


class GameClassifier(nn.Module):
    """(B, 3, 64, 64) frames in [-1, 1] -> game logits; :meth:`features` gives the 64-d embedding."""

    def __init__(self, n_games: int, feature_size: int = 64) -> None:
        super().__init__()
        if n_games < 1:
            raise ValueError(f"n_games must be at least 1, got {n_games}")
        self.trunk = nn.Sequential(
            nn.Conv2d(3, 32, 4, 2, 1), nn.ReLU(),  # (B, 32, 32, 32)
            nn.Conv2d(32, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),  # (B, 64, 16, 16)
            nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),  # (B, 128, 8, 8)
            nn.Conv2d(128, 128, 4, 2, 1), nn.ReLU(),  # (B, 128, 4, 4)
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # (B, 128)
            nn.Linear(128, feature_size), nn.ReLU(),  # (B, feature_size)
        )
        self.head = nn.Linear(feature_size, n_games)  # (B, n_games)
        self.feature_size = feature_size

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.trunk(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(images))


class ClassifierFeatures(nn.Module):
    """The feature extractor torchmetrics' FrechetInceptionDistance calls: [0, 1] images -> features."""

    def __init__(self, classifier: GameClassifier) -> None:
        super().__init__()
        self.classifier = classifier.eval()
        self.num_features = classifier.feature_size  # read by torchmetrics instead of a dummy forward

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier.features(to_classifier_size(images.float() * 2 - 1))


def default_cache_dir() -> Path:
    return Path(os.environ.get("ATARIGAN_CACHE", Path.home() / ".cache" / "atarigan"))


def cache_key(games: Sequence[str], image_size: int, seed: int) -> str:
    """Changes whenever what the classifier learns from would change."""
    ids = [resolve_env_id(g) for g in games]
    recipe = {"games": ids, "image_size": image_size, "seed": seed, "version": RECIPE_VERSION,
              "steps": TRAIN_STEPS, "batch": TRAIN_BATCH}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def train_classifier(games: Sequence[str], image_size: int = 64, seed: int = 0, device: str | torch.device = "cpu",
                     steps: int = TRAIN_STEPS) -> tuple[GameClassifier, float]:
    """Train on fresh random-agent frames; return the classifier and its accuracy on held-out frames."""
    if image_size != 64:
        raise ValueError(f"the game classifier works on 64x64 frames; got image_size={image_size}")
    device = torch.device(device)
    torch.manual_seed(seed)
    model = GameClassifier(len(games)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    with FrameSampler(games, TRAIN_BATCH, envs_per_game=4, size=image_size, seed=seed) as sampler:
        batches = iter(sampler)
        for _ in tqdm(range(steps), desc="training the game classifier", leave=False):
            batch = next(batches)
            loss = loss_fn(model(frames_to_tanh_range(batch.frames, device)), batch.games.to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    model.eval()
    # Held out: frames from emulators seeded differently from the training ones.
    with FrameSampler(games, 256, envs_per_game=4, size=image_size, seed=derive_seed(seed, 1)) as sampler:
        batch = next(iter(sampler))
    with torch.no_grad():
        predicted = model(frames_to_tanh_range(batch.frames, device)).argmax(1).cpu()
    return model, float((predicted == batch.games).float().mean())


def load_or_train_classifier(games: Sequence[str], image_size: int = 64, seed: int = 0,
                             device: str | torch.device = "cpu", cache_dir: Path | None = None) -> tuple[GameClassifier, float]:
    """The cached classifier for these games, trained (and cached) first if there is none."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache_dir / f"game_classifier_{cache_key(games, image_size, seed)}.pt"
    if path.exists():
        try:
            saved = torch.load(path, map_location="cpu", weights_only=True)
            model = GameClassifier(len(games))
            model.load_state_dict(saved["state_dict"])
            return model.to(device).eval(), float(saved["accuracy"])
        except Exception:
            pass  # a damaged cache entry is retrained and replaced, never trusted
    model, accuracy = train_classifier(games, image_size, seed, device)
    cache_dir.mkdir(parents=True, exist_ok=True)
    saved = {"state_dict": model.state_dict(), "accuracy": accuracy, "games": [resolve_env_id(g) for g in games]}
    atomic_write(path, lambda f: torch.save(saved, f))
    return model, accuracy
