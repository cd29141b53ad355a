"""Integer codes on the command line: ``--codes "c1,c2,...,cp"`` and every other option that takes a codes list.

A list whose first code is negative (``"-1,3,-4"``) starts with a dash, and argparse would read it as an
unknown option ("expected one argument").  :func:`join_option_values` rewrites ``--opt -1,3,-4`` into the
single token ``--opt=-1,3,-4`` before parsing, so every command accepts negative codes the same way;
:func:`parse_codes` turns the text into a code vector of length p.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from qtheory.validation import MAX_GRID_K

# a comma-separated integer list whose first entry is negative, e.g. "-1", "-2,1,1", "-1, 3, -4,"
NEGATIVE_CODES = re.compile(r"^\s*-\d+\s*(,\s*[+-]?\d+\s*)*,?\s*$")


def join_option_values(argv: Sequence[str]) -> list[str]:
    """``[..., "--opt", "-1,3", ...]`` -> ``[..., "--opt=-1,3", ...]`` for every long option followed by a codes
    list that starts with a negative code.  Nothing else changes; after ``--`` every token is left alone.

    Such a token can never be an option name itself, so joining it to the option before it only ever turns
    argparse's "expected one argument" into the value the user meant (an option that takes no value then
    reports the value as an error, as before).
    """
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        tok = args[i]
        if tok == "--":
            out += args[i:]
            break
        nxt = args[i + 1] if i + 1 < len(args) else None
        if tok.startswith("--") and "=" not in tok and nxt is not None and NEGATIVE_CODES.match(nxt):
            out.append(f"{tok}={nxt.strip()}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def parse_codes(text: str, p: int, name: str = "--codes") -> np.ndarray:
    """``"1,0,-2"`` -> int64 array of length p; otherwise a ValueError naming ``name`` and what is accepted."""
    items = [t.strip() for t in str(text).split(",")]
    if len(items) > 1 and items[-1] == "":  # a trailing comma
        items.pop()
    out = []
    for i, t in enumerate(items):
        try:
            value = int(t)
        except ValueError:
            what = "an empty code" if t == "" else repr(t)
            raise ValueError(f"{name} must list integers separated by commas, got {what} at position {i + 1}") from None
        if abs(value) > MAX_GRID_K:  # no grid has such a code; an int64 could not even hold some
            raise ValueError(f"{name}: code {t[:30]}{'...' if len(t) > 30 else ''} at position {i + 1} is out of "
                             f"range, codes are integers in [-{MAX_GRID_K}, {MAX_GRID_K}]")
        out.append(value)
    if len(out) != p:
        raise ValueError(f"{name} must list p = {p} integer codes, got {len(out)}")
    return np.array(out, dtype=np.int64)
