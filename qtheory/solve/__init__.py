"""Solvers for quantized training problems: exact global solvers and the Q-CD local method."""

from qtheory.solve.solution import Solution

__all__ = ["Solution"]
