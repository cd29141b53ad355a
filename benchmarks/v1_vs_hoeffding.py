"""Where the Occam-kl certificate V1 is tighter than the Hoeffding certificate L_n + D(k), and where not.

Both hold with probability >= 1 - delta' for every beta in Q^p at once, for a [0,1]-valued loss (B = 1):

    V1:        L(beta) <= kl^{-1}(L_n, (k ln(p|Q|) + ln(2(p+1) sqrt(n)/delta'))/n)
    Hoeffding: L(beta) <= L_n + D(k),  D(k) = sqrt((k ln(p|Q|) + ln(2(p+1)/delta'))/(2n))

Usage: python benchmarks/v1_vs_hoeffding.py [--p 100] [--Qsize 15] [--delta 0.05]
"""

from __future__ import annotations

import argparse

import numpy as np

from qtheory.theory import L1, V1


def table(p: int, Qsize: int, delta: float, ns: list[int], ks: list[int], lns: list[float]) -> list[dict]:
    rows = []
    for n in ns:
        for k in ks:
            ln = np.array(lns)
            v1 = V1.evaluate(Ln=ln, k=k, n=n, p=p, Qsize=Qsize, delta=delta)
            hoeff = ln + L1.evaluate(B=1.0, k=k, n=n, p=p, Qsize=Qsize, delta=delta)
            for q, a, b in zip(lns, v1, hoeff):
                rows.append(dict(n=n, k=k, Ln=q, V1=float(a), hoeffding=float(b),
                                 tighter="V1" if a < b else ("Hoeffding" if b < a else "tie")))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, default=100)
    parser.add_argument("--Qsize", type=int, default=15)
    parser.add_argument("--delta", type=float, default=0.05)
    args = parser.parse_args(argv)
    rows = table(args.p, args.Qsize, args.delta, ns=[100, 1000, 10000, 100000], ks=[2, 20],
                 lns=[0.0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5])
    print(f"p = {args.p}, |Q| = {args.Qsize}, delta' = {args.delta}, B = 1 (values above 1 are vacuous)")
    print(f"| {'n':>6} | {'k':>3} | {'L_n':>5} | {'V1':>7} | {'L_n + D(k)':>10} | {'V1 - Hoeffding':>14} | tighter   |")
    print(f"|{'-' * 8}|{'-' * 5}|{'-' * 7}|{'-' * 9}|{'-' * 12}|{'-' * 16}|-----------|")
    for r in rows:
        print(f"| {r['n']:>6} | {r['k']:>3} | {r['Ln']:>5.2f} | {r['V1']:>7.4f} | {r['hoeffding']:>10.4f} | "
              f"{r['V1'] - r['hoeffding']:>+14.4f} | {r['tighter']:<9} |")


if __name__ == "__main__":
    main()
