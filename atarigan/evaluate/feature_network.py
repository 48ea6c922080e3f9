"""The feature space of atarigan's quality numbers: one small CNN for every run, shipped with the package.

Inception features know nothing of Atari and need downloaded weights; a classifier
trained on a run's own games (what this replaced) has nothing to tell apart in a
one-game run and calls pure noise a game with certainty. This network is trained
once, by a fixed recipe, on a panel of ALE games plus "not a game frame" negatives
(:mod:`atarigan.evaluate.negatives`), so it tells games apart, tells game frames
from non-frames, and gives runs on any games the same, comparable feature space.
``python -m atarigan.evaluate.feature_network`` rebuilds ``feature_network.pt``; a
test checks that the shipped file was built by this file's recipe.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from atarigan.atomic_file import atomic_write
from atarigan.config.seeds import derive_seed
from atarigan.data.frame_sampler import FrameSampler
from atarigan.data.normalize import frames_to_tanh_range
from atarigan.evaluate import corruptions, negatives

#: The games the network learns; any game's frames get features, these get a class of their own.
PANEL = ("Breakout", "AirRaid", "Pong", "SpaceInvaders", "MsPacman", "Seaquest", "Enduro", "Freeway", "Boxing",
         "Asterix", "BeamRider", "Qbert", "Riverraid", "Assault", "DemonAttack", "Alien", "Amidar", "Atlantis",
         "Bowling", "Centipede", "ChopperCommand", "Frostbite", "Gopher", "IceHockey", "Kangaroo", "Pitfall",
         "Tennis", "VideoPinball", "Skiing", "Venture")
#: Frames the network sees; frames of other sizes, real and generated alike, are resized to it.
SIZE = 64
FEATURES = 128
STEPS = 3000
BATCH = 96
NEGATIVE_SHARE = 0.4
SEED = 0
#: Every training frame, real or not, gets Gaussian noise of a sigma up to this on half the batches' frames:
#: noise no eye sees must not move a frame in feature space.
NOISE_SIGMA = 0.08
#: Frames per game whose per-pixel median makes each game's playfield, for the sprite negatives.
PLAYFIELD_FRAMES = 64
#: Bump when the network, the negatives or the training change (a test then asks for a rebuild).
# 2: features standardised by their statistics on real panel frames (KID's cubic kernel needs O(1) features).
# 3: sprite negatives (removed, smeared, misplaced), splices, half-resolution and softened frames; noise augmentation.
VERSION = 3
#: Real panel frames whose features set the standardisation.
STANDARDISE_FRAMES = 4096
SHIPPED = Path(__file__).with_name("feature_network.pt")


class FeatureNetwork(nn.Module):
    """(B, 3, 64, 64) frames in [-1, 1] -> :meth:`features` (B, 128); ``forward`` adds one logit per panel game and one for "not a game"."""

    def __init__(self, classes: int = len(PANEL) + 1) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(3, 32, 4, 2, 1), nn.ReLU(),  # (B, 32, 32, 32)
            nn.Conv2d(32, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),  # (B, 64, 16, 16)
            nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),  # (B, 128, 8, 8)
            nn.Conv2d(128, 192, 4, 2, 1), nn.BatchNorm2d(192), nn.ReLU(),  # (B, 192, 4, 4)
            nn.Flatten(),  # (B, 3072): where things are matters in a game frame, so no global pooling
            nn.Linear(192 * 16, FEATURES),  # (B, 128)
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(FEATURES, classes))  # (B, 31)
        # Features are standardised by real frames' statistics after training (see standardise).
        self.register_buffer("feature_mean", torch.zeros(FEATURES))
        self.register_buffer("feature_std", torch.ones(FEATURES))

    def features(self, frames: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(frames)[0]

    def features_and_logits(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`features` and ``forward``'s logits from one pass through the trunk."""
        trunk = self.trunk(to_network_size(frames))
        return (trunk - self.feature_mean) / self.feature_std, self.head(trunk)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(to_network_size(frames)))

    @torch.no_grad()
    def standardise(self, real: torch.Tensor) -> None:
        """Set the feature statistics from real frames: distances then come in units of real play's spread."""
        features = torch.cat([self.trunk(to_network_size(chunk)) for chunk in real.split(256)])
        self.feature_mean.copy_(features.mean(0))
        self.feature_std.copy_(features.std(0).clamp_min(1e-6))


def to_network_size(frames: torch.Tensor) -> torch.Tensor:
    """(B, 3, S, S) -> (B, 3, 64, 64), so runs at any image size are scored in the same feature space."""
    if frames.shape[-1] == SIZE:
        return frames
    return F.interpolate(frames, size=(SIZE, SIZE), mode="bilinear", antialias=frames.shape[-1] > SIZE)


def recipe_hash() -> str:
    """Changes whenever what the network learns, or how, would change."""
    recipe = {"panel": PANEL, "size": SIZE, "features": FEATURES, "steps": STEPS, "batch": BATCH,
              "negative_share": NEGATIVE_SHARE, "seed": SEED, "version": VERSION, "standardise": STANDARDISE_FRAMES,
              "noise": NOISE_SIGMA, "playfield_frames": PLAYFIELD_FRAMES,
              "negatives": [kind.__name__ for kind in negatives.KINDS]}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def train_feature_network(steps: int = STEPS, device: str | torch.device = "cpu") -> tuple[FeatureNetwork, float]:
    """Train by the recipe on fresh random-agent frames; return the network and its held-out accuracy."""
    torch.manual_seed(SEED)
    rng = torch.Generator().manual_seed(derive_seed(SEED, 0))
    model = FeatureNetwork().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    not_a_game = len(PANEL)
    real_count = BATCH - int(BATCH * NEGATIVE_SHARE)
    with FrameSampler(PANEL, real_count, envs_per_game=2, size=SIZE, seed=derive_seed(SEED, 1)) as sampler:
        batches = iter(sampler)
        fields = _playfields(batches)
        for _ in tqdm(range(steps), desc="training the feature network", leave=False):
            batch = next(batches)
            real = frames_to_tanh_range(batch.frames)
            fake = negatives.negatives(real, batch.games, fields, BATCH - real_count, rng)
            frames = _with_faint_noise(torch.cat([real, fake]), rng).to(device)
            labels = torch.cat([batch.games, torch.full((len(fake),), not_a_game)]).to(device)
            loss = F.cross_entropy(model(frames), labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            schedule.step()
        model.eval()
        model.standardise(torch.cat([frames_to_tanh_range(next(batches).frames)
                                     for _ in range(STANDARDISE_FRAMES // real_count)]).to(device))
        # Held out: later frames of the same emulators, and fresh negatives.
        batch = next(batches)
        real = frames_to_tanh_range(batch.frames)
        frames = torch.cat([real, negatives.negatives(real, batch.games, fields, len(real), rng)]).to(device)
        labels = torch.cat([batch.games, torch.full((len(real),), not_a_game)]).to(device)
        with torch.no_grad():
            accuracy = float((model(frames).argmax(1) == labels).float().mean())
    return model.cpu(), accuracy


def _playfields(batches) -> torch.Tensor:
    """Each panel game's playfield, from the per-pixel median of its first :data:`PLAYFIELD_FRAMES` frames."""
    frames, labels = [], []
    while min(torch.bincount(torch.cat(labels or [torch.zeros(0, dtype=torch.long)]), minlength=len(PANEL))) < PLAYFIELD_FRAMES:
        batch = next(batches)
        frames.append(frames_to_tanh_range(batch.frames))
        labels.append(batch.games)
    return corruptions.playfields(torch.cat(frames), torch.cat(labels), len(PANEL))


def _with_faint_noise(frames: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Half the frames with Gaussian noise of a sigma drawn up to :data:`NOISE_SIGMA`, the rest as they are."""
    sigma = torch.rand((len(frames), 1, 1, 1), generator=rng) * NOISE_SIGMA
    sigma = sigma * (torch.rand((len(frames), 1, 1, 1), generator=rng) < 0.5)
    return (frames + sigma * torch.randn(frames.shape, generator=rng)).clamp(-1, 1)


def load_feature_network(device: str | torch.device = "cpu", path: Path = SHIPPED) -> tuple[FeatureNetwork, dict]:
    """The shipped network (eval mode) and what it says of itself (its recipe, its accuracy)."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    if saved["recipe"] != recipe_hash():
        raise RuntimeError(
            f"{path} was built by another recipe ({saved['recipe']}, this code's is {recipe_hash()}): "
            "rebuild it with python -m atarigan.evaluate.feature_network"
        )
    model = FeatureNetwork()
    model.load_state_dict(saved["state_dict"])
    return model.to(device).eval(), {k: v for k, v in saved.items() if k != "state_dict"}


def main() -> int:
    """Build ``feature_network.pt`` (minutes on a CPU)."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, accuracy = train_feature_network(device=device)
    print(f"held-out accuracy {accuracy:.1%} ({len(PANEL)} games and not-a-game frames)")
    saved = {"state_dict": model.state_dict(), "recipe": recipe_hash(), "accuracy": accuracy, "panel": list(PANEL),
             "torch": str(torch.__version__)}
    atomic_write(SHIPPED, lambda f: torch.save(saved, f))
    print(f"wrote {SHIPPED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
