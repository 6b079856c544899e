"""`python -m loyalty_rules`: the `loyalty-rules` command."""

from .cli import main

main(prog_name="loyalty-rules")
