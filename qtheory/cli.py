"""The ``qtheory`` command.

Each subcommand lives in its own module under ``qtheory.commands`` and exposes ``add_parser(subparsers)``
and ``run(args) -> int``.  Modules are imported lazily so that start-up stays fast (no sympy, torch, cvxpy
or matplotlib unless the subcommand needs them).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from qtheory.codes_arg import join_option_values

DESCRIPTION = """qtheory: theory verification for the generalization of quantized neural networks
(exact solvers, the bounds evaluated symbolically, property tests that try to break them)."""
EXIT_STATUS = """exit status (every command, with or without --json):
  0  success
  1  a negative verdict: not certified optimal (solve), not nu-local (certify, qcd), a hypothesis not met
     (theory), refuted (check-variant), violations found (sweep, figures); evaluate and certify-data
     report numbers and pass no verdict
  2  a user error (a bad argument or input file), reported as one line on stderr
  130  interrupted; 141 the reader of stdout went away (qtheory ... | head)"""

# subcommand name -> (module under qtheory.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "solve": ("solve", "exact global optimum of a toy problem (enumeration or a certified exact solver)"),
    "theory": ("theory", "evaluate, print or typeset one result of docs/theory.md (L1, A0, A, L2, B, C, V1-V4)"),
    "certify": ("certify", "decide whether integer codes are a nu-local solution (Q-S3ONC certificate)"),
    "qcd": ("qcd", "run the Q-CD algorithm to a certified nu-local solution"),
    "sweep": ("sweep", "run a sweep file: one result file per finished cell, resumable"),
    "figures": ("figures", "regenerate every figure and the tightness report"),
    "check-variant": ("check_variant", "property-test a user's bound against generated toy problems"),
    "evaluate": ("evaluate", "every exact quantity and every bound at one point, with budgets and tightness"),
    "certify-data": ("certify_data", "train a quantized net on real data and certify its test error (V1)"),
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (``qtheory CMD: error: ...``), exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _available() -> dict[str, tuple[str, str]]:
    found = {}
    for name, (module, help_text) in COMMANDS.items():
        if importlib.util.find_spec(f"qtheory.commands.{module}") is not None:
            found[name] = (module, help_text)
    return found


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; with ``only`` set, import just that subcommand's module."""
    parser = _Parser(prog="qtheory", description=DESCRIPTION, epilog=EXIT_STATUS,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
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


def version() -> str:
    """The installed package's version (package metadata), or the source tree's when it is not installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("qtheory")
    except PackageNotFoundError:
        from qtheory import __version__

        return __version__


def main(argv: list[str] | None = None) -> int:
    argv = join_option_values(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    only = first if first in COMMANDS else ("" if first is None and "--version" in argv else None)
    parser = build_parser(only)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return int(exc.code or 0)
    try:
        status = int(args._run(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except USER_ERRORS as exc:
        # user errors: one clear line, no traceback
        print(f"qtheory {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"qtheory {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of stdout went away (``qtheory ... | head -1``): end quietly, as other command-line tools do
        _silence_stdout()
        return 141


#: Exceptions that mean bad input (a value out of range, a missing or unwritable file, a number too large).
USER_ERRORS = (ValueError, TypeError, KeyError, OverflowError, FileNotFoundError, NotADirectoryError,
               IsADirectoryError, FileExistsError, PermissionError)


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (a ``KeyError`` without its quotes)."""
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    text = " ".join(str(text).split())
    return text or type(exc).__name__


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured in a test)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
