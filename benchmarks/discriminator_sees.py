"""What a checkpoint's discriminator says of real frames, of the same frames with their sprites removed or smeared, and
of its generator's frames: does it judge each frame, or the batch?

    .venv/bin/python benchmarks/discriminator_sees.py runs/mine/checkpoint_5000.pt [more checkpoints]

D's probability that a frame is real (its whole-frame logit through the sigmoid), as training
asks it (batches of the training batch size, in training mode), two ways:

- **own batches**: each kind of frame in batches of its own, as D is trained (a real batch,
  then a generated one). With BatchNorm, D's answer can come from the batch's statistics;
- **mixed batches**: half real frames, half the other kind, in each batch: the batch statistics
  alike for both halves, so what differs is what D sees in each frame.

A discriminator that judges frames scores sprite-less frames low in both; one whose BatchNorm
does the judging tells them apart only in own batches (or not at all), and then gives the
generator no reason to draw sprites.

The last three columns do not go through the sigmoid: how often D's logit for a real frame is
above its logit for the same frame with its sprites removed (smeared, moved elsewhere), in own
batches. A relativistic D (``--loss relativistic``) learns only differences of logits, so its
probabilities can all sit near 1 (or 0) and still order each pair: these columns say whether it
does (0.5: it cannot tell the two apart; 1: always right).

``--head patches`` asks a patch discriminator's patches instead of its whole-frame logit (their
mean logit): a patch head blind to where it looks judges a sprite moved elsewhere as real.
"""

from __future__ import annotations

import argparse

import torch

from atarigan.evaluate import corruptions
from atarigan.evaluate.evaluation import real_frames
from atarigan.model.checkpoint import load_checkpoint
from atarigan.model.losses import frame_logits, patch_logits
from atarigan.model.networks import Discriminator, Generator, discriminator_input


class Judge:
    """A checkpoint's discriminator, given what it reads (each frame, and its residual if it takes one), giving one
    logit a frame: its whole-frame logit (``head`` "frame") or its patches' mean ("patches")."""

    def __init__(self, discriminator: Discriminator, playfields: torch.Tensor | None, head: str = "frame") -> None:
        if head == "patches" and discriminator.patch_head is None:
            raise SystemExit("discriminator_sees.py: --head patches needs a run with --patch-discriminator")
        self.discriminator, self.playfields, self.head = discriminator, playfields, head

    def __call__(self, frames: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        out = self.discriminator(discriminator_input(frames, labels, self.playfields),
                                 *(() if labels is None else (labels,)))
        return frame_logits(out) if self.head == "frame" else patch_logits(out).mean(1)


@torch.no_grad()
def logits(discriminator: Judge, frames: torch.Tensor, labels: torch.Tensor | None,
           batch: int) -> torch.Tensor:
    """D's logit for each frame, in batches of ``batch`` as they come."""
    return torch.cat([discriminator(frames[i:i + batch], None if labels is None else labels[i:i + batch])
                      for i in range(0, len(frames), batch)])


def probabilities(discriminator: Judge, frames: torch.Tensor, labels: torch.Tensor | None,
                  batch: int) -> torch.Tensor:
    """D's probability of "real" for each frame, in batches of ``batch`` as they come."""
    return torch.sigmoid(logits(discriminator, frames, labels, batch))


def mixed(discriminator: Judge, real: torch.Tensor, other: torch.Tensor, labels: torch.Tensor | None,
          batch: int) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """(probabilities, indices) of the real frames and of the ``other`` frames, half of each in every batch."""
    half = batch // 2
    order = torch.arange(len(real)).view(-1, half)  # (batches, half)
    ids = torch.cat([order[0::2], order[1::2]], 1).flatten()  # real frames of one half, others of the next
    frames = torch.cat([torch.cat([real[a], other[b]]) for a, b in zip(order[0::2], order[1::2])])
    p = probabilities(discriminator, frames, None if labels is None else labels[ids], batch).view(-1, 2, half)
    return (p[:, 0].flatten(), order[0::2].flatten()), (p[:, 1].flatten(), order[1::2].flatten())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--count", type=int, default=512, help="real frames (and as many of each other kind)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--head", choices=("frame", "patches"), default="frame",
                        help="a patch discriminator's whole-frame logit, or its patches' mean logit")
    args = parser.parse_args()
    print("| checkpoint | batches | game | real | sprites removed | sprites smeared | sprites misplaced | generated "
          "| real above removed | real above smeared | real above misplaced |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path in args.checkpoints:
        path, state = load_checkpoint(path)
        model, games, batch = state["config"].model, state["config"].train.games, state["config"].train.batch_size
        discriminator, generator = Discriminator(model).train(), Generator(model).train()  # as training runs them
        discriminator.load_state_dict(state["gan"]["discriminator"])
        discriminator = Judge(discriminator, state["gan"]["playfields"] if model.discriminator_playfield else None,
                              args.head)
        generator.load_state_dict(state["gan"]["generator"])  # the raw weights: what D trains against
        real, games_of = real_frames(games, args.count, args.seed, model.image_size)
        labels = games_of if model.classes else None
        fields = corruptions.playfields(real, games_of, len(games))
        rng = torch.Generator().manual_seed(args.seed)
        kinds = {"sprites removed": corruptions.sprites_removed(real, games_of, fields, rng),
                 "sprites smeared": corruptions.sprites_smeared(real, games_of, fields, rng),
                 "sprites misplaced": corruptions.sprites_misplaced(real, games_of, fields, rng)}
        with torch.no_grad():
            noise = torch.randn(args.count, model.latent_size, 1, 1, generator=rng)
            kinds["generated"] = torch.cat([generator(noise[i:i + batch], None if labels is None else labels[i:i + batch])
                                            for i in range(0, args.count, batch)])
        own_logits = {"real": logits(discriminator, real, labels, batch),
                      **{k: logits(discriminator, f, labels, batch) for k, f in kinds.items()}}
        own = {k: torch.sigmoid(v) for k, v in own_logits.items()}
        above = {k: (own_logits["real"] > own_logits[k]).float() for k in kinds if k != "generated"}
        both = {k: mixed(discriminator, real, f, labels, batch) for k, f in kinds.items()}
        name = f"{path.parent.name}/{path.name}"
        for g, game in enumerate(games):
            print(f"| {name} | own | {game} | " + " | ".join(f"{own[k][games_of == g].mean():.2f}" for k in own) + " | "
                  + " | ".join(f"{a[games_of == g].mean():.2f}" for a in above.values()) + " |")
            (p_real, real_ids), _ = both["sprites removed"]
            print(f"| {name} | mixed | {game} | {p_real[games_of[real_ids] == g].mean():.2f} | " +
                  " | ".join(f"{p[games_of[ids] == g].mean():.2f}" for _, (p, ids) in both.values()) + " | —" * len(above) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
