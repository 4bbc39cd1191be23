"""Moved to ``budgetgen.files`` (a base module every stage may use); kept for branches merged after the move."""

from budgetgen.files import (
    MARKER,
    ZIP_TIMESTAMP,
    OutputError,
    as_output_error,
    normalize_zip,
    os_reason,
    remove_own_temporaries,
    signals_held,
    write_atomic,
    write_set,
)

__all__ = [
    "MARKER",
    "ZIP_TIMESTAMP",
    "OutputError",
    "as_output_error",
    "normalize_zip",
    "os_reason",
    "remove_own_temporaries",
    "signals_held",
    "write_atomic",
    "write_set",
]
