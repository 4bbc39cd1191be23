"""``python -m budgetgen``."""

from budgetgen.cli import main

main()
