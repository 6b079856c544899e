"""`python -m loyalty_rules.cli`."""

from . import main

main()
