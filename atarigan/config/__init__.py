"""Everything a run is built from: the model, what the run does, how it is launched."""

from atarigan.config.launch_config import LaunchConfig
from atarigan.config.model_config import ModelConfig
from atarigan.config.run_config import RunConfig
from atarigan.config.train_config import DEFAULT_GAMES, TrainConfig

__all__ = ["DEFAULT_GAMES", "LaunchConfig", "ModelConfig", "RunConfig", "TrainConfig"]
