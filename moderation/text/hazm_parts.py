"""The parts of hazm the normalizer uses, without importing the `hazm` package.

`import hazm` runs hazm/__init__.py, which imports every hazm module and with
them nltk, and through nltk scipy.stats: 1–2 s and ~30 MB per process, for
chunkers, parsers and taggers the service never calls. The normalizer needs
only hazm's pattern tables (hazm/constants.py, a module without imports) and
its word list (hazm/data/words.dat); both are read here from the installed
hazm by path. The pattern tables are hazm's own objects, so a hazm upgrade
changes them here exactly as it would through `import hazm`.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType


def _hazm_folder() -> Path:
    spec = importlib.util.find_spec("hazm")  # locates the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("hazm is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _constants() -> ModuleType:
    loaded = sys.modules.get("hazm.constants")
    if loaded is not None:  # hazm was imported anyway (tests, training): use the same module
        return loaded
    spec = importlib.util.spec_from_file_location("_moderation_hazm_constants", _hazm_folder() / "constants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HAZM_FOLDER = _hazm_folder()
WORDS_FILE = HAZM_FOLDER / "data" / "words.dat"
_constants_module = _constants()
AFFIX_SPACING_PATTERNS: list[tuple[str, str]] = _constants_module.AFFIX_SPACING_PATTERNS
EXTRA_SPACE_PATTERNS: list[tuple[str, str]] = _constants_module.EXTRA_SPACE_PATTERNS
PERSIAN_STYLE_PATTERNS: list[tuple[str, str]] = _constants_module.PERSIAN_STYLE_PATTERNS
PUNCTUATION_SPACING_PATTERNS: list[tuple[str, str]] = _constants_module.PUNCTUATION_SPACING_PATTERNS
SUFFIXES: set[str] = _constants_module.SUFFIXES
NUMBERS_SRC: str = _constants_module.NUMBERS_SRC
NUMBERS_DST: str = _constants_module.NUMBERS_DST
TRANSLATION_SRC: str = _constants_module.TRANSLATION_SRC
TRANSLATION_DST: str = _constants_module.TRANSLATION_DST


def regex_replace(patterns: list[tuple[re.Pattern[str], str]], text: str) -> str:
    """hazm.utils.regex_replace for compiled patterns: each substitution in turn."""
    for pattern, replacement in patterns:
        text = pattern.sub(replacement, text)
    return text
