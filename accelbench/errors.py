"""Exceptions that separate user mistakes from bugs.

A :class:`UserError` is something the person at the keyboard can fix (an unknown workload name,
a malformed number, an impossible shape, a broken suite file). The CLI prints it as one line and
exits with code 2. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(ValueError):
    """A mistake in what the user asked for; the message names the offending field."""

