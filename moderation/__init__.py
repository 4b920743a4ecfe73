"""Persian comment moderation: normalization, language gate, lexicon, detectors, decisions."""

__version__ = "0.1.0"
