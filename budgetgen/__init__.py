"""budgetgen: budget disclosure packages (部门预算公开) from one checked description of the year."""

__version__ = "0.1.0"
