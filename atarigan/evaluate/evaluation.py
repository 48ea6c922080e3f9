"""How close a generator's frames are to real ones, in the feature network's space.

From ``count`` frames per set (README, "Seeing and scoring the fakes"):

- ``frechet_distance``: FID's formula, by torchmetrics' ``FrechetInceptionDistance``
  on the feature network; biased upward at small counts;
- ``kernel_distance``: KID's unbiased estimate, by torchmetrics'
  ``KernelInceptionDistance`` on the same features: honest at a few hundred frames;
- ``real_floor``, ``kernel_floor``: both distances between two independent real sets,
  the noise floor at this count: no generator can be told from real play below it;
- ``precision``, ``recall``: the share of fakes among real frames, and of real frames
  covered by fakes; ``density``: how many real frames vouch for each fake, about 1 for
  real play, low when the fakes pile up beside a few rare real frames
  (:mod:`atarigan.evaluate.manifold`);
- ``not_a_game``: the share of fakes the network calls "not a game frame" (a frame
  with sprites missing, smeared or misplaced, two games blended or spliced, a blurred
  or half-resolution frame, noise); ``None`` where it does not apply (``notes`` says why);
- ``game_share``: the game of each fake's nearest real frame: a game missing from it
  means mode collapse (for any game, in the network's panel or not);
- ``game_spread``: per game, how varied its fakes are next to its real frames (about 1
  for real play, near 0 when a game's fakes are all one frame: a collapse within a game,
  which the shares cannot see; :mod:`atarigan.evaluate.spread`); a fake counts for the
  game it was drawn for where the caller says (a conditional generator), else for its
  nearest real frame's; None for a game with fewer than two fakes;
- ``game_kernel_distance``: per game, the kernel distance of its fakes (counted as for the
  spread) from its real frames, and ``game_kernel_floor`` the same between the two real sets:
  the whole-set distances average over the games and hide one game drawn badly
  (:mod:`atarigan.evaluate.game_distance`);
- ``version``: :data:`METRIC_VERSION`; numbers of two versions are not comparable.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from tqdm import tqdm
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.kid import KernelInceptionDistance

from atarigan.config.model_config import ModelConfig
from atarigan.config.seeds import derive_seed
from atarigan.data.frame_sampler import FrameSampler
from atarigan.data.normalize import frames_to_tanh_range
from atarigan.evaluate.feature_network import PANEL, SIZE, FeatureNetwork, load_feature_network
from atarigan.evaluate.game_distance import game_kernel_distance
from atarigan.evaluate.manifold import manifold_scores
from atarigan.evaluate.sprite_layer import SIZE as SPRITE_FEATURES
from atarigan.evaluate.sprite_layer import SpriteLayer
from atarigan.evaluate.spread import game_spread
from wrappers.games import game_name

#: Fewer frames than this and the 128-d features' covariance is too poorly estimated to mean anything.
MIN_COUNT = 128
#: KID's random subsets (half the set each); seeded from the evaluator's seed, so a score does not change between two calls.
KID_SUBSETS = 50
#: Neighbours that set each point's ball in precision, recall and density: at a few hundred frames in 140 dimensions,
#: k=3 left real frames covering only half of another real set, and k=5 left faint invisible noise with
#: only 0.7 of real frames' precision (version 3: 0.3).
MANIFOLD_K = 7
#: Bump whenever a number would change for the same frames (the feature network, the statistics):
#: evaluations of two versions are never compared (best.pt, early stopping, the TensorBoard text).
# 3: the feature network learns sprite, splice and resolution negatives and ignores faint noise; the
#    sprite layer's occupancy joins its features; precision and recall with 5 neighbours.
# 4: the sprite layer on a log scale, on a 3x3 grid, standardised per game: a frame with no sprites is
#    far from real, not next to it; precision and recall with 7 neighbours.
METRIC_VERSION = 4


@dataclass
class Evaluation:
    frechet_distance: float
    real_floor: float
    kernel_distance: float
    kernel_floor: float
    precision: float
    recall: float
    density: float
    not_a_game: float | None
    real_not_a_game: float | None
    game_share: dict[str, float]
    count: int
    version: int = METRIC_VERSION
    notes: tuple[str, ...] = ()  # where a number does not apply, and why
    game_spread: dict[str, float | None] = dataclasses.field(default_factory=dict)
    game_kernel_distance: dict[str, float | None] = dataclasses.field(default_factory=dict)
    game_kernel_floor: dict[str, float | None] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def not_a_game_applies(games: Sequence[str], image_size: int) -> tuple[str, ...]:
    """Why "not a game" does not apply to frames of these games at this size (empty: it does).

    The network learned "not a game" at its own size on its panel's games: other games'
    real frames are not what it learned, and smaller frames blown up to its size look
    like the half-resolution frames it learned to call not a game.

    >>> not_a_game_applies(["Pong"], 64)
    ()
    >>> not_a_game_applies(["Pong", "Zaxxon"], 32)[0]
    'not a game: needs 64x64 frames (the feature network learned it at 64x64; these are 32x32)'
    """
    notes = []
    if image_size != SIZE:
        notes.append(f"not a game: needs {SIZE}x{SIZE} frames (the feature network learned it at {SIZE}x{SIZE}; "
                     f"these are {image_size}x{image_size})")
    outside = [g for g in games if g not in PANEL]
    if outside:
        notes.append(f"not a game: {', '.join(outside)} outside the feature network's panel of {len(PANEL)} games "
                     "(the distances, precision, recall and shares still apply)")
    return tuple(notes)


#: Real sets come from the training stream's sampler, spread over play: after a warm-up, one batch in SPREAD.
REAL_ENVS_PER_GAME, REAL_BATCH, REAL_WARMUP_BATCHES, REAL_SPREAD = 8, 64, 24, 4


def real_frames(games: Sequence[str], count: int, seed: int, image_size: int = 64,
                progress: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` real random-agent frames in [-1, 1] (mixed games) and their game indices.

    Spread over play, as the frames a run trains on are: the first frames of each
    emulator's episode would otherwise fill a small set (and the real-vs-real floor
    would swing with the seed). ``progress``: a progress bar's label (none if None).
    """
    frames, labels = [], []
    kept = -(-count // REAL_BATCH)
    bar = tqdm(total=REAL_WARMUP_BATCHES + kept * REAL_SPREAD, desc=progress, unit="batch", leave=False,
               disable=progress is None)
    with bar, FrameSampler(games, REAL_BATCH, envs_per_game=REAL_ENVS_PER_GAME, size=image_size, seed=seed) as sampler:
        batches = iter(sampler)
        for _ in range(REAL_WARMUP_BATCHES):
            next(batches)
            bar.update()
        while sum(map(len, frames)) < count:
            batch = next(batches)
            frames.append(batch.frames)
            labels.append(batch.games)
            for _ in range(REAL_SPREAD - 1):
                next(batches)
            bar.update(REAL_SPREAD)
    return frames_to_tanh_range(torch.cat(frames)[:count]), torch.cat(labels)[:count]


class Features(nn.Module):
    """Frames in [-1, 1] -> the quality number's features: the feature network's (layout, colours, game) and
    the sprite layer's (where the sprites are), side by side, each standardised by real frames' spread.

    Each feature weighs the same. (Scaling the sprite layer's features up to the network's 128 in total variance
    was measured: frames without sprites scored further from real, smeared sprites and blurred frames nearer,
    and the real-vs-real floor rose: docs/quality.md.)
    """

    def __init__(self, network: FeatureNetwork, sprites: SpriteLayer) -> None:
        super().__init__()
        self.network = network
        self.sprites = sprites
        self.num_features = network.trunk[-1].out_features + SPRITE_FEATURES

    @torch.no_grad()
    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.with_logits(frames)[0]

    @torch.no_grad()
    def with_logits(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The features, and the feature network's logits (its games and "not a game"), from one pass of it."""
        features, logits = self.network.features_and_logits(frames)
        return torch.cat([features, self.sprites(frames)], dim=1), logits


class _GivenFeatures(nn.Module):
    """What torchmetrics' FID and KID call as their feature extractor: the features :class:`Features` already made.

    Each frame then goes through the feature network once (in ``Evaluator._embed``), not once more inside each
    metric's ``update``.
    """

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features  # read by torchmetrics instead of a dummy forward

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


class Evaluator:
    """Samples two real sets once, at the model's image size; then scores any generator's frames against them."""

    def __init__(self, games: Sequence[str], model: ModelConfig = ModelConfig(), count: int = 1000, seed: int = 0,
                 device: str | torch.device = "cpu", progress: bool = False) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or count < MIN_COUNT:
            raise ValueError(f"count must be an integer of at least {MIN_COUNT}; got {count!r}")
        self.games = [game_name(g) for g in games]
        self.count = count
        self.kid_seed = derive_seed(seed, 2)
        self.image_size = model.image_size
        self.device = torch.device(device)
        self.network, self.network_info = load_feature_network(self.device)
        real, self.real_labels = real_frames(games, count, derive_seed(seed, 0), model.image_size,
                                             "real frames" if progress else None)
        self.features = Features(self.network, SpriteLayer(real, self.real_labels, len(self.games))).to(self.device)
        given = _GivenFeatures(self.features.num_features)
        self.fid = FrechetInceptionDistance(feature=given, reset_real_features=False).to(self.device)
        with warnings.catch_warnings():  # "will save all extracted features": 147 floats a frame, known and small
            warnings.simplefilter("ignore", UserWarning)
            self.kid = KernelInceptionDistance(feature=given, reset_real_features=False,
                                               subsets=KID_SUBSETS, subset_size=count // 2).to(self.device)
        self.real_features, real_logits = self._embed(real)
        for metric in (self.fid, self.kid):
            metric.update(self.real_features, real=True)
        self.notes = not_a_game_applies(self.games, model.image_size)
        self.real_not_a_game = None if self.notes else self._not_a_game(real_logits)
        # The floor: a second, independent real set scored as if it were generated.
        other, other_labels = real_frames(games, count, derive_seed(seed, 1), model.image_size,
                                          "real frames for the floor" if progress else None)
        other_features, _ = self._embed(other)
        self.real_floor, self.kernel_floor = self._distances(other_features)
        self.game_kernel_floor = self._game_distances(other_features.cpu(), other_labels)

    @torch.no_grad()
    def _embed(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each frame's :class:`Features`, and the feature network's logits (its games and "not a game")."""
        features, logits = zip(*(self.features.with_logits(c.to(self.device)) for c in images.split(256)))
        return torch.cat(features), torch.cat(logits)

    def _game_distances(self, features: torch.Tensor, games: torch.Tensor) -> dict[str, float | None]:
        distances = game_kernel_distance(self.real_features.cpu(), self.real_labels, features, games, len(self.games))
        return dict(zip(self.games, distances))

    @staticmethod
    def _not_a_game(logits: torch.Tensor) -> float:
        return float((logits.argmax(1) == len(PANEL)).float().mean())

    def _distances(self, features: torch.Tensor) -> tuple[float, float]:
        """The Fréchet and kernel distances of these frames' features from the real set's."""
        for metric in (self.fid, self.kid):
            metric.reset()  # drops the previous fakes, keeps the real features
            metric.update(features, real=False)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.kid_seed)  # KID's subsets
            kernel = float(self.kid.compute()[0])
        return float(self.fid.compute()), kernel

    def __call__(self, images: torch.Tensor, games: torch.Tensor | None = None) -> Evaluation:
        """Score ``images`` (N, 3, S, S) in [-1, 1]; comparable with other scores only at N == count.

        ``games`` (N,): each frame's game index into this evaluator's games, where the frames were drawn
        for a known game (a ``--conditional`` generator's): each game's spread and kernel distance are then
        those of the frames drawn for it, so a game drawn as one frame that looks like another game still
        shows its collapse.
        Without it, a frame counts for the game of its nearest real frame.
        """
        if tuple(images.shape[1:]) != (3, self.image_size, self.image_size):
            raise ValueError(f"this evaluator compares (3, {self.image_size}, {self.image_size}) frames with real ones; "
                             f"got frames of shape {tuple(images.shape[1:])}")
        if len(images) < MIN_COUNT:
            raise ValueError(f"at least {MIN_COUNT} frames are needed to score them; got {len(images)}")
        if not torch.isfinite(images).all():  # NaN features crash LAPACK inside the Fréchet distance
            raise ValueError("the frames to score hold NaN or infinite values")
        if games is not None and (tuple(games.shape) != (len(images),) or games.is_floating_point()
                                  or games.min() < 0 or games.max() >= len(self.games)):
            raise ValueError(f"games must be one game index (0 to {len(self.games) - 1}) per frame, "
                             f"{len(images)} in all; got {games.dtype} of shape {tuple(games.shape)}")
        features, logits = self._embed(images)
        nearest = torch.cdist(features, self.real_features).argmin(dim=1)
        fake_games = self.real_labels[nearest.cpu()]
        shares = torch.bincount(fake_games, minlength=len(self.games)) / len(images)
        counted_for = fake_games if games is None else games.cpu()
        spreads = game_spread(self.real_features.cpu(), self.real_labels, features.cpu(), counted_for, len(self.games))
        precision, recall, density = manifold_scores(self.real_features.cpu(), features.cpu(), k=MANIFOLD_K)
        frechet, kernel = self._distances(features)
        return Evaluation(
            frechet_distance=frechet, real_floor=self.real_floor, kernel_distance=kernel,
            kernel_floor=self.kernel_floor, precision=precision, recall=recall,
            density=density,
            not_a_game=None if self.notes else self._not_a_game(logits), real_not_a_game=self.real_not_a_game,
            game_share=dict(zip(self.games, shares.tolist())), count=len(images), notes=self.notes,
            game_spread=dict(zip(self.games, spreads)),
            game_kernel_distance=self._game_distances(features.cpu(), counted_for),
            game_kernel_floor=self.game_kernel_floor,
        )
