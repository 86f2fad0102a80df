"""The errors the store raises."""

from __future__ import annotations

from nlp.errors import PianchaError


class StoreError(PianchaError, RuntimeError):
    """The database cannot be opened, migrated or written, or a stored record is invalid."""


class NotFoundError(StoreError, LookupError):
    """A document or deviation id that is not in the database."""
