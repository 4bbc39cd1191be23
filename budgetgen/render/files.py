"""Moved to ``budgetgen.files`` (a base module every stage may use); kept for branches merged after the move."""

from budgetgen.files import (
    OutputError,
    as_output_error,
    normalize_zip,
    remove_own_temporaries,
    write_atomic,
    write_set,
)

__all__ = ["OutputError", "as_output_error", "normalize_zip", "remove_own_temporaries", "write_atomic", "write_set"]
