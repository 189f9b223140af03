"""Allow ``python -m exposure``."""

from exposure.cli import main

main()
