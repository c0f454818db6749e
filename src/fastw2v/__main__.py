"""``python -m fastw2v``: the same as the ``fastw2v`` command."""
import sys

from .cli.main import main

sys.exit(main())
