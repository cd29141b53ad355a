"""Time to refute each planted false variant, and the verdicts on the true ones, at the harness's defaults.

Runs ``qtheory.harness.check_variant`` on every variant of ``examples/variants/`` (or the files given), for
each seed, with the default 60-second budget (``--budget``) or a fixed number of examples
(``--max-examples``), and prints one line per run: file, variant, seed, verdict, phase that found it,
examples, wall-clock and CPU seconds (the CPU time shows how much of the wall clock a loaded machine took).

``benchmarks/variants/`` holds variants for this benchmark only (not shipped examples, not run by the
tests), e.g. rare violations over wider spaces than ``examples/variants/false_A0_rare.py``.

``--no-screen`` judges every training sample of a probabilistic claim exactly, one case at a time (no batch
screen, :mod:`qtheory.sample_batch`): the verdicts are the same, the time shows what the screen saves.

Usage: python benchmarks/variant_harness.py [FILE.py ...] [--seeds 0 1] [--budget 60 | --max-examples N]
                                            [--no-screen] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from qtheory.commands.check_variant import load_variants
from qtheory.harness import DEFAULT_BUDGET, check_variant

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "variants"


def run(files: list[Path], seeds: list[int], budget: float | None, max_examples: int | None) -> list[dict]:
    rows = []
    for path in files:
        for variant in load_variants(path):
            for seed in seeds:
                wall, cpu = time.perf_counter(), time.process_time()
                verdict = check_variant(variant, seed=seed, budget=budget, max_examples=max_examples, database=False)
                rows.append({
                    "file": path.name, "variant": variant.name, "seed": seed, "verdict": verdict.verdict,
                    "found_by": verdict.found_by, "examples": verdict.examples_tried,
                    "wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1),
                    "min_slack": verdict.min_slack,
                    "samples": (verdict.sequential or {}).get("samples"),
                })
                r = rows[-1]
                print(f"{r['file']:32s} {r['variant'][:36]:36s} seed {seed}: {r['verdict']:12s} "
                      f"by {str(r['found_by']):9s} {r['examples']:5d} examples  {r['wall_s']:6.1f} s wall  "
                      f"{r['cpu_s']:6.1f} s cpu" + (f"  {r['samples']} samples" if r["samples"] else ""), flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="variant files (default: examples/variants/*.py)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--budget", type=float, default=None, help=f"seconds per run (default {DEFAULT_BUDGET:g})")
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--no-screen", action="store_true", help="judge every sample exactly (no batch screen)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    if args.no_screen:
        import qtheory.sample_batch

        qtheory.sample_batch.screenable = lambda variant: False
    files = args.files or sorted(EXAMPLES.glob("*.py"))
    rows = run(files, args.seeds, args.budget, args.max_examples)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
