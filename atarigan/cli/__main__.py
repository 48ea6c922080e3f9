import sys

from atarigan.console_script import run

sys.exit(run())
