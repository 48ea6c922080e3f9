"""Recipes: named sets of defaults for how the GAN learns. A field left unset takes its recipe's value.

``book`` is the book's maths exactly; ``fast`` is what the ablation in the README
(section "Recipes") kept, each change measured against the book on the same curve;
``sprites`` is ``fast`` with each game told to both networks and its playfield given to both,
the first recipe whose frames show each game's sprites, and the default (README, "Recipes":
the curves to 20 000 on two seeds).
"""

from __future__ import annotations

from typing import Any

RECIPES: dict[str, dict[str, Any]] = {
    "book": {"lr": 1e-4, "loss": "bce", "ema": 0.0, "r1_gamma": 0.0, "r2_gamma": 0.0, "augment": (),
             "augment_target": 0.0,
             "sprite_negatives": 0.0, "mode_seeking": 0.0, "discriminator_norm": "batch", "discriminator_leak": 0.0,
             "patch_discriminator": False, "discriminator_coords": False,
             "minibatch_std": False, "mixed_batches": False, "conditional": False,
             "generator_playfield": False, "discriminator_playfield": False, "generator_game_norm": False},
    # The book with twice its learning rate, drawn from a moving average of G's weights: the two changes
    # of the ablation that paid (README, "Recipes").
    "fast": {"lr": 2e-4, "loss": "bce", "ema": 0.999, "r1_gamma": 0.0, "r2_gamma": 0.0, "augment": (),
             "augment_target": 0.0,
             "sprite_negatives": 0.0, "mode_seeking": 0.0, "discriminator_norm": "batch", "discriminator_leak": 0.0,
             "patch_discriminator": False, "discriminator_coords": False,
             "minibatch_std": False, "mixed_batches": False, "conditional": False,
             "generator_playfield": False, "discriminator_playfield": False, "generator_game_norm": False},
    # fast, conditional (one game per frame: no blends), R1 0.1 and translations (a stable D), patches (D
    # judges sprite-sized parts) and each game's playfield given to G to draw onto and to D to subtract: the
    # run of docs/quality.md's "--discriminator-playfield" section; the translations fade while D's mean
    # D(real) stays at or below 0.85 (docs/quality.md, "--augment-target").
    "sprites": {"lr": 2e-4, "loss": "bce", "ema": 0.999, "r1_gamma": 0.1, "r2_gamma": 0.0, "augment": ("translation",),
                "augment_target": 0.85,
                "sprite_negatives": 0.0, "mode_seeking": 0.0, "discriminator_norm": "batch", "discriminator_leak": 0.0,
                "patch_discriminator": True, "discriminator_coords": False,
                "minibatch_std": False, "mixed_batches": False, "conditional": True,
                "generator_playfield": True, "discriminator_playfield": True, "generator_game_norm": False},
}
#: The recipe runs use unless told otherwise: the one that draws sprites and never blends two games.
DEFAULT_RECIPE = "sprites"
#: What checkpoints written before recipes existed trained with.
LEGACY_RECIPE = "book"
