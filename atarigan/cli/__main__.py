import sys

from atarigan.cli.main import main

sys.exit(main())
