"""``budgetgen serve``: a local web page (and a small HTTP API) for accountants who do not use a terminal.

The page runs the same library functions as the command line (template, new-year, check, render,
summary, diff); every upload lives in its own temporary folder under the work folder, and renders
run in a worker pool off the event loop.
"""

from budgetgen.serve.settings import ServeSettings

__all__ = ["ServeSettings"]
