"""``qtheory theory [NAME] [--latex] [--eval SYMBOL=VALUE ...] [--json]``: print, typeset or evaluate one
result of docs/theory.md.

The value printed: L1 the radius D(k); A0, A and B their right-hand sides; L2 the threshold a lam - d
(c_Q in the JSON); C the move bound F0/nu; V1 the certificate (M defaults to 1; M > 1 is V2's selection
cost); V4 V1 with the exact count C(p,k)(|Q|-1)^k; V2 L1's radius with ln M added; V3 the bias M_inf d/2.  A hypothesis that the given numbers do not
meet is reported false (and warned about on stderr); the value is still printed, and the exit status is 1
(the result does not apply at these numbers; 0 when every hypothesis holds), with or without --json.
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
import sys
from typing import Any

NAMES = ("L1", "A0", "A", "L2", "B", "C", "V1", "V2", "V3", "V4")


def add_parser(parser: argparse.ArgumentParser) -> None:
    from qtheory.theory.symbols import MEANINGS

    parser.add_argument("name", nargs="?", metavar="NAME", help=f"one of {', '.join(NAMES)}; omit to list them")
    parser.add_argument("--latex", action="store_true", help="print the value's formula in LaTeX")
    parser.add_argument(
        "--eval",
        nargs="+",
        action="extend",
        default=[],
        metavar="SYMBOL=VALUE",
        help="evaluate at these numbers; symbols: " + ", ".join(f"{k} ({v})" for k, v in MEANINGS.items()),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from qtheory.validation import check_choice

    if args.name is None:
        if args.eval or args.latex:
            raise ValueError(f"NAME is required with --eval or --latex; NAME must be one of {', '.join(NAMES)}")
        return _list(args.json)
    from qtheory.theory import RESULTS

    result = RESULTS[check_choice(args.name, "NAME", NAMES)]
    if not args.eval:
        return _describe(result, args.latex, args.json)
    return _evaluate(result, parse_assignments(args.eval), args.latex, args.json)


def parse_assignments(items: list[str]) -> dict[str, float | int]:
    """``["n=100", "delta=0.05"]`` -> ``{"n": 100, "delta": 0.05}``, each value checked against its symbol's
    domain with :func:`qtheory.validation.check_scalar`."""
    from qtheory.theory.symbols import DOMAINS

    out: dict[str, float | int] = {}
    for item in items:
        symbol, sep, text = item.partition("=")
        symbol = symbol.strip()
        if not sep or not symbol:
            raise ValueError(f"--eval expects SYMBOL=VALUE, got {item!r}")
        if symbol not in DOMAINS:
            raise ValueError(f"--eval: unknown symbol {symbol!r}; accepted symbols: {' '.join(DOMAINS)}")
        if symbol in out:
            raise ValueError(f"--eval: symbol {symbol!r} given twice")
        out[symbol] = _checked_value(symbol, text.strip())
    return out


def _checked_value(symbol: str, text: str) -> float | int:
    from qtheory.theory.symbols import DOMAINS
    from qtheory.validation import check_scalar

    try:
        value: float | int = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"--eval: {symbol} == {text!r} is not a number") from None
    dom = DOMAINS[symbol]
    if dom.integer and isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise ValueError(f"{symbol} == {value!r}, must be {dom.describe()}")
        value = int(value)
    closed = {(True, True): "both", (True, False): "left", (False, True): "right", (False, False): "neither"}
    return check_scalar(
        value,
        symbol,
        numbers.Integral if dom.integer else numbers.Real,
        min_val=None if math.isinf(dom.low) else dom.low,
        max_val=None if math.isinf(dom.high) else dom.high,
        include_boundaries=closed[(dom.low_closed, dom.high_closed)],
    )


def _list(as_json: bool) -> int:
    from qtheory.theory import RESULTS

    if as_json:
        print(json.dumps([{"name": r.name, "title": r.title} for r in RESULTS.values()], indent=2))
    else:
        for r in RESULTS.values():
            print(f"{r.name:<3} {r.title}")
    return 0


def _describe(result: Any, latex: bool, as_json: bool) -> int:
    if as_json:
        doc = {
            "name": result.name,
            "title": result.title,
            "statement": result.statement,
            "expression": str(result.value),
            "hypotheses": {k: str(v) for k, v in result.hypotheses.items()},
            "symbols": list(result.symbols),
            "latex": result.latex(),
        }
        print(json.dumps(doc, indent=2))
    elif latex:
        print(result.latex())
    else:
        print(f"{result.name}: {result.title}")
        print(result.statement)
        print(f"value: {result.value}")
        print(f"hypotheses: {', '.join(result.hypotheses) or 'none beyond the symbols domains'}")
        print(f"symbols: {' '.join(result.symbols)}")
    return 0


def _evaluate(result: Any, values: dict[str, float | int], latex: bool, as_json: bool) -> int:
    result.numbers(values, _needed(result))  # unknown / missing symbols: one clear error
    value = float(result.evaluate(**values))
    met = result.check(**values)
    for label, ok in met.items():
        if not ok:
            print(
                f"qtheory theory: warning: hypothesis {label!r} of {result.name} is not met at these numbers; "
                "the value is printed but the result does not apply",
                file=sys.stderr,
            )
    if as_json:
        doc: dict[str, Any] = {
            "name": result.name,
            "value": _json_number(value),
            "hypotheses": met,
            "latex": result.latex(),
        }
        for extra in result.extras:
            doc[extra] = _json_number(float(result.evaluate_extra(extra, **values)))
        print(json.dumps(doc, indent=2))
    else:
        print(repr(value))
        if latex:
            print(result.latex())
    return 0 if all(met.values()) else 1


def _needed(result: Any) -> tuple[str, ...]:
    from qtheory.theory.numeric import names_of

    return tuple(x for x in result.symbols if x in names_of([result.value, *result.hypotheses.values()]))


def _json_number(x: float) -> float | None:
    """JSON has no infinity: a non-finite value (C's move bound at nu = 0) is written as null."""
    return x if math.isfinite(x) else None
