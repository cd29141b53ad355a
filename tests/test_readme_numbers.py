"""Every number README.md quotes from the tightness report matches the committed ``figures/report.json``.

A quoted number is followed by a hidden marker naming its key path in the report, e.g.
``0.557<!-- report: results.V1_realdata.digits / qcd.bound.median -->`` (path parts are separated by dots;
keys may contain spaces and slashes).  The number must equal the report's value at the precision quoted:
``0.557`` matches a value in [0.5565, 0.5575], ``33`` one in [32.5, 33.5].

    python tests/test_readme_numbers.py      # print every marker with the report's current value
"""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"(-?\d+(?:\.\d+)?)<!-- report: ([^>]+?) -->")
#: at least this many quoted numbers: the guard is not vacuous
MIN_MARKERS = 10


def markers(text: str) -> list[tuple[str, str]]:
    """(quoted number, key path) for every marker of ``text``, in order."""
    return MARKER.findall(text)


def lookup(report: dict[str, Any], path: str) -> Any:
    """The value at a dotted key path of the report (KeyError naming the path when it is missing)."""
    value: Any = report
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"report.json has no {path!r} (missing {part!r})")
        value = value[part]
    return value


def matches(quoted: str, value: float) -> bool:
    """Whether ``value`` rounds to ``quoted`` at the number of decimals quoted (half a unit of the last digit)."""
    q = Decimal(quoted)
    half = Decimal(1).scaleb(q.as_tuple().exponent) / 2
    return abs(Decimal(repr(float(value))) - q) <= half


def mismatches(text: str, report: dict[str, Any]) -> list[str]:
    bad = []
    for quoted, path in markers(text):
        try:
            value = lookup(report, path)
        except KeyError as err:
            bad.append(str(err))
            continue
        if not isinstance(value, (int, float)) or not matches(quoted, value):
            bad.append(f"README quotes {quoted} for {path}, report.json has {value!r}")
    return bad


def test_readme_numbers_match_the_committed_report():
    text = (ROOT / "README.md").read_text()
    report = json.loads((ROOT / "figures" / "report.json").read_text())
    assert len(markers(text)) >= MIN_MARKERS
    assert mismatches(text, report) == []


def test_the_check_catches_a_wrong_number_a_wrong_precision_and_a_missing_key():
    report = {"results": {"digits / qcd": {"median": 0.557426}}, "n": 33}
    good = "a 0.557<!-- report: results.digits / qcd.median --> and 33<!-- report: n -->"
    assert mismatches(good, report) == [] and len(markers(good)) == 2
    assert mismatches("0.558<!-- report: results.digits / qcd.median -->", report)
    assert mismatches("0.5575<!-- report: results.digits / qcd.median -->", report)
    assert mismatches("32<!-- report: n -->", report)
    assert mismatches("1<!-- report: results.nothing -->", report)


if __name__ == "__main__":
    report = json.loads((ROOT / "figures" / "report.json").read_text())
    for quoted, path in markers((ROOT / "README.md").read_text()):
        try:
            value = lookup(report, path)
        except KeyError as err:
            value = err
        print(f"{'ok ' if isinstance(value, (int, float)) and matches(quoted, value) else 'BAD'} {quoted:>10}  "
              f"{value!s:<22} {path}")
    sys.exit(0)
