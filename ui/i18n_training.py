"""Strings of the training view(s), merged into ui.i18n.STRINGS (the app's one translation table):
key -> (English, Simplified Chinese)."""

STRINGS: dict[str, tuple[str, str]] = {}
