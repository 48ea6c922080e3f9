"""Everything a run is built from, in three parts: the model, what the run does, how it is launched."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from atarigan.config.launch_config import LaunchConfig
from atarigan.config.model_config import ModelConfig
from atarigan.config.option import ConfigError, shown
from atarigan.config.recipes import LEGACY_RECIPE, RECIPES
from atarigan.config.train_config import TrainConfig


def _plain(value: Any) -> Any:
    """Tuples as lists: what ``torch.load(weights_only=True)`` and JSON read back."""
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class RunConfig:
    """``model`` rebuilds the networks; ``train`` is what the run does; ``launch`` how this launch runs it.

    Field names are unique across the three parts, so flat ``name=value`` pairs
    (the CLI's, a sweep's) say which part they belong to.

    >>> RunConfig.from_values({"lr": 2e-4, "image_size": 32}).model.image_size
    32
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    launch: LaunchConfig = field(default_factory=LaunchConfig)

    PARTS: ClassVar[dict[str, type]] = {"model": ModelConfig, "train": TrainConfig, "launch": LaunchConfig}

    def __post_init__(self) -> None:
        # Fields left unset (None) take the recipe's value; each network's learning rate defaults to --lr.
        recipe = RECIPES[self.train.recipe]
        from_recipe: set[str] = set()
        for part in ("model", "train"):
            config = getattr(self, part)
            unset = {f.name: recipe[f.name] for f in dataclasses.fields(config)
                     if f.name in recipe and getattr(config, f.name) is None}
            if unset:
                object.__setattr__(self, part, dataclasses.replace(config, **unset))
                from_recipe |= set(unset)
        # The networks learn one class per game of the run when conditional (ModelConfig.classes has no flag).
        classes = len(self.train.games) if self.train.conditional else 0
        if self.model.classes != classes:
            object.__setattr__(self, "model", dataclasses.replace(self.model, classes=classes))
        for name, why in (("generator_playfield", "the generator is given one playfield per game"),
                          ("discriminator_playfield", "the discriminator is given one playfield per game"),
                          ("generator_game_norm", "the generator keeps statistics per game")):
            if getattr(self.model, name) and not classes:
                source = f"; --recipe {self.train.recipe} turns it on" if name in from_recipe else ""
                raise ConfigError(name, f": needs --conditional ({why}, so it must be told each frame's game){source}")
        if self.train.r1_target and not self.train.r1_gamma:
            source = f" (--recipe {self.train.recipe} sets 0)" if "r1_gamma" in from_recipe else ""
            raise ConfigError("r1_target", f": {shown(self.train.r1_target)} needs --r1-gamma above 0, the weight it "
                              f"starts from and comes back to{source}")
        if self.train.augment_target and not self.train.augment:
            if "augment_target" in from_recipe:  # the recipe's target is for its augmentations: none, nothing to fade
                object.__setattr__(self, "train", dataclasses.replace(self.train, augment_target=0.0))
            else:
                source = f" (--recipe {self.train.recipe} sets none)" if "augment" in from_recipe else ""
                raise ConfigError("augment_target", f": {shown(self.train.augment_target)} needs --augment "
                                  f"(translation or color), the augmentations whose strength it sets{source}")
        lr = self.train.lr
        if self.train.lr_g is None or self.train.lr_d is None:
            object.__setattr__(self, "train", dataclasses.replace(
                self.train, lr_g=self.train.lr_g or lr, lr_d=self.train.lr_d or lr))
        if self.launch.cuda_graphs:
            # A captured graph replays fixed kernels with fixed arguments: no changing rate or R1 weight, and no
            # batch split by game (per-game statistics) or painted for negatives, whose parts' sizes change from
            # batch to batch. The lazy R1 step is a graph of its own; the augmentations' strength a device tensor.
            for part, name, fixed in (("train", "lr_schedule", self.train.lr_schedule == "constant"),
                                      ("train", "r1_target", not self.train.r1_target),
                                      ("train", "sprite_negatives", not self.train.sprite_negatives),
                                      ("model", "generator_game_norm", not self.model.generator_game_norm)):
                if not fixed:  # no recipe sets any of these
                    value = shown(getattr(getattr(self, part), name))
                    raise ConfigError(name, f": {value} cannot run in a captured CUDA graph; leave it out with "
                                      f"--cuda-graphs")

    @classmethod
    def part_of(cls, name: str) -> str:
        for part, part_class in cls.PARTS.items():
            if name in {f.name for f in dataclasses.fields(part_class)}:
                return part
        raise KeyError(name)

    @classmethod
    def _by_part(cls, values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        by_part: dict[str, dict[str, Any]] = {part: {} for part in cls.PARTS}
        for name, value in values.items():
            by_part[cls.part_of(name)][name] = value
        return by_part

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> RunConfig:
        """Defaults, with the flat ``values`` given (the recipe's fill the rest); unknown names are a ``KeyError``."""
        return cls(**{part: cls.PARTS[part](**given) for part, given in cls._by_part(values).items()})

    def replace(self, **changes: Any) -> RunConfig:
        """This config with ``changes``; the recipe's values already filled in stay as they are."""
        return dataclasses.replace(self, **{part: dataclasses.replace(getattr(self, part), **given)
                                            for part, given in self._by_part(changes).items() if given})

    def values(self) -> dict[str, Any]:
        """All fields as one flat dict."""
        return {f.name: getattr(getattr(self, part), f.name)
                for part in self.PARTS for f in dataclasses.fields(getattr(self, part))}

    def state_dict(self) -> dict[str, dict[str, Any]]:
        return {part: {k: _plain(v) for k, v in dataclasses.asdict(getattr(self, part)).items()} for part in self.PARTS}

    @classmethod
    def from_state_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        """Read a checkpoint's config: this layout, or the flat one of checkpoints before it."""
        flat = dict(data) if not set(data) <= set(cls.PARTS) else {k: v for part in data.values() for k, v in part.items()}
        flat.setdefault("recipe", LEGACY_RECIPE)  # written before recipes: the book's maths
        flat.setdefault("augment_target", 0.0)  # written before --augment-target: every frame augmented
        flat.setdefault("discriminator_coords", False)  # written before --discriminator-coords: none
        if "spectral_norm" in flat:  # written before --discriminator-norm, which took over its True/False
            spectral = flat.pop("spectral_norm")
            flat.setdefault("discriminator_norm", None if spectral is None else "spectral" if spectral else "batch")
        try:
            return cls.from_values(flat)
        except KeyError as exc:
            raise ValueError(f"the config has an unknown field {exc.args[0]!r} (written by a newer atarigan?)") from None
