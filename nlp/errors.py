"""The errors piancha raises; each says what was wrong and where."""

from __future__ import annotations


class PianchaError(Exception):
    """Base of every error piancha raises on bad input."""


class TextError(PianchaError, ValueError):
    """A text to classify is empty, only punctuation, or too long."""


class LabelDataError(PianchaError, ValueError):
    """Labelled data is invalid (unknown code, empty text, conflicting labels)."""


class FormParseError(PianchaError, ValueError):
    """A file or text could not be read as a 项目支出绩效自评表."""


class ModelError(PianchaError, RuntimeError):
    """No model is trained yet, or a model directory is unusable."""


class FormTooLargeError(FormParseError):
    """A file is beyond what the readers accept: zip members, uncompressed size, rows, cells or memory."""


class ParseTimeoutError(FormParseError):
    """A file was not read within the time allowed."""
