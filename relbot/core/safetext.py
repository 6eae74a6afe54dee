"""Text from mail as every store and terminal takes it: bytes that were not UTF-8,
lone surrogates, NULs and other control characters written as escapes, the same for
the same bytes.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def safe_text(value: str) -> str:
    """``value`` as text every store and terminal takes, the same for the same bytes.

    Bytes that were not UTF-8 (kept by the parsers as surrogate escapes)
    become ``\\xNN``, valid UTF-8 is decoded, a lone surrogate becomes
    ``\\udNNN``, NUL and other control characters ``\\xNN``. Text that is
    already clean comes back unchanged.
    """
    if not _UNSAFE.search(value):
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "backslashreplace")
    text = data.decode("utf-8", "backslashreplace")
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
