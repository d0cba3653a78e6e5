"""How deep a JSON text nests, found without parsing it (the parser recurses and can be made to crash).

Standard library only: the lookup refuses deep request bodies and the loader deep export files with it.
"""

from __future__ import annotations

__all__ = ["too_deep"]


def too_deep(text: str, limit: int) -> bool:
    """Whether ``text`` nests arrays or objects deeper than ``limit`` (brackets inside strings are skipped)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False
