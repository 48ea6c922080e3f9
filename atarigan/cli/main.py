"""The ``atarigan`` command: ``train``, ``sample``, ``evaluate`` and ``bench``, each in its own module.

Stop signals are taken over first thing, so a Ctrl-C at any moment ends with one
line and status 130, never a traceback; bad input ends with one line naming the
bad value and what is allowed, status 2.
"""

from __future__ import annotations

import importlib
import sys

from atarigan.stop_signals import EXIT_INTERRUPTED, Interrupted, StopSignals

#: Subcommand -> (module with add_arguments/run, help).
COMMANDS = {
    "train": ("atarigan.cli.train", "train the GAN on Atari frames"),
    "sample": ("atarigan.cli.sample", "write a PNG grid of generated frames from a checkpoint"),
    "evaluate": ("atarigan.cli.evaluate", "score a checkpoint's frames against real ones"),
    "bench": ("atarigan.cli.bench", "measure sampling, the GAN step and whole runs against the book's code"),
    "tune": ("atarigan.cli.tune", "sweep hyper-parameters with Ray Tune, each trial a training run"),
}


def build_parser():
    from atarigan.config.cli_args import OneLineParser

    parser = OneLineParser(prog="atarigan", description="Train and inspect the Atari GAN.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (module, text) in COMMANDS.items():
        importlib.import_module(module).add_arguments(commands.add_parser(name, help=text, description=text))
    return parser


def main(argv: list[str] | None = None) -> int:
    with StopSignals() as stop:
        try:
            parser = build_parser()
            try:
                args = parser.parse_args(argv)
            except SystemExit as exc:  # --help, or a flag argparse itself refused (one line already printed)
                return int(exc.code or 0)
            # Training finishes its step, and Ray Tune its sweep's bookkeeping; the others stop where they are.
            stop.immediate = args.command not in ("train", "tune")
            stop.check()
            return _run(args, stop)
        except Interrupted as exc:
            command = f"atarigan {getattr(locals().get('args'), 'command', '')}".rstrip()
            print(f"{command}: interrupted ({exc.signal_name}): nothing was written", file=sys.stderr)
            return EXIT_INTERRUPTED


def _run(args, stop: StopSignals) -> int:
    from atarigan.config.option import ConfigError

    prefix = f"atarigan {args.command}: error:"
    try:
        return importlib.import_module(COMMANDS[args.command][0]).run(args, stop)
    except ConfigError as exc:
        print(f"{prefix} {exc.for_cli()}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"{prefix} {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a file that vanished: what happened, where
        where = f": {exc.filename}" if exc.filename else ""
        print(f"{prefix} {exc.strerror or exc}{where}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
