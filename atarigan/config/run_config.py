"""Everything a run is built from, in three parts: the model, what the run does, how it is launched."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from atarigan.config.launch_config import LaunchConfig
from atarigan.config.model_config import ModelConfig
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

    @classmethod
    def part_of(cls, name: str) -> str:
        for part, part_class in cls.PARTS.items():
            if name in {f.name for f in dataclasses.fields(part_class)}:
                return part
        raise KeyError(name)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> RunConfig:
        """Defaults, with the flat ``values`` given; unknown names are a ``KeyError``."""
        return cls().replace(**values)

    def replace(self, **changes: Any) -> RunConfig:
        by_part: dict[str, dict[str, Any]] = {}
        for name, value in changes.items():
            by_part.setdefault(self.part_of(name), {})[name] = value
        return dataclasses.replace(
            self, **{part: dataclasses.replace(getattr(self, part), **values) for part, values in by_part.items()}
        )

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
        try:
            return cls.from_values(flat)
        except KeyError as exc:
            raise ValueError(f"the config has an unknown field {exc.args[0]!r} (written by a newer atarigan?)") from None
