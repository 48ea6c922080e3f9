"""atarigan: the Atari GAN from Deep Reinforcement Learning Hands-On, Chapter 3, as a library and a command.

    import atarigan
    result = atarigan.train(atarigan.TrainConfig(games=("Pong", "Breakout"), iterations=2000), logdir="runs/mine")
    generator = atarigan.load_generator(result.checkpoint)
    frames = generator.generate(64, seed=0)            # (64, 3, 64, 64) in [-1, 1]
    print(atarigan.Evaluator(generator.games)(generator.generate(512)).frechet_distance)

The names in ``__all__`` are the public API; everything else is internal. They are
imported on first use, so ``atarigan``'s command line starts without loading torch.
"""

# No imports at the top: the console script imports this package first, and a Ctrl-C that lands while
# it does is Python's traceback, not atarigan's one line (atarigan.console_script).

#: Public name -> the module that defines it.
_PUBLIC = {
    # configuring and training a run
    "RunConfig": "atarigan.config.run_config",
    "ModelConfig": "atarigan.config.model_config",
    "TrainConfig": "atarigan.config.train_config",
    "LaunchConfig": "atarigan.config.launch_config",
    "train": "atarigan.training.run",
    "TrainResult": "atarigan.training.run",
    "TrainingInterrupted": "atarigan.training.run",
    "config_from_args": "atarigan.training.run",
    # a trained generator, and scoring frames from anywhere
    "load_generator": "atarigan.evaluate.trained_generator",
    "TrainedGenerator": "atarigan.evaluate.trained_generator",
    "Evaluator": "atarigan.evaluate.evaluation",
    "Evaluation": "atarigan.evaluate.evaluation",
    "real_frames": "atarigan.evaluate.evaluation",
    # the parts
    "FrameSampler": "atarigan.data.frame_sampler",
    "FrameBatch": "atarigan.data.frame_sampler",
    "Generator": "atarigan.model.networks",
    "Discriminator": "atarigan.model.networks",
    "gan_step": "atarigan.model.gan_step",
    "StepOptions": "atarigan.model.gan_step",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> object:
    import importlib

    if name not in _PUBLIC:
        raise AttributeError(f"module 'atarigan' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value  # found once, then a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
