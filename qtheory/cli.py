"""The ``qtheory`` command.

Each subcommand lives in its own module under ``qtheory.commands`` and exposes ``add_parser(subparsers)``
and ``run(args) -> int``.  Modules are imported lazily so that start-up stays fast (no sympy, torch, cvxpy
or matplotlib unless the subcommand needs them).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand name -> (module under qtheory.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "solve": ("solve", "exact global optimum of a toy problem (enumeration or a certified exact solver)"),
    "theory": ("theory", "evaluate, print or typeset one result of THEORY.md (L1, A0, A, L2, B, C, V1-V4)"),
    "certify": ("certify", "decide whether integer codes are a nu-local solution (Q-S3ONC certificate)"),
    "qcd": ("qcd", "run the Q-CD algorithm to a certified nu-local solution"),
    "sweep": ("sweep", "run a sweep file: one result file per finished cell, resumable"),
    "figures": ("figures", "regenerate every figure and the tightness report"),
    "check-variant": ("check_variant", "property-test a user's bound against generated toy problems"),
    "certify-data": ("certify_data", "train a quantized net on real data and certify its test error (V1)"),
}


def _available() -> dict[str, tuple[str, str]]:
    found = {}
    for name, (module, help_text) in COMMANDS.items():
        if importlib.util.find_spec(f"qtheory.commands.{module}") is not None:
            found[name] = (module, help_text)
    return found


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; with ``only`` set, import just that subcommand's module."""
    parser = argparse.ArgumentParser(prog="qtheory", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (module, help_text) in _available().items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text, add_help=False)
            continue
        mod = importlib.import_module(f"qtheory.commands.{module}")
        p = sub.add_parser(name, help=help_text, description=help_text)
        mod.add_parser(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = next((a for a in argv if not a.startswith("-")), None)
    only = first if first in COMMANDS else None
    parser = build_parser(only)
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, KeyError) as exc:
        # user errors: one clear line, no traceback
        print(f"qtheory {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"qtheory {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
