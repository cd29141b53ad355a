"""Populations with an exact population risk beyond finite supports (docs/theory.md section 5)."""

from qtheory.populations.rademacher import RademacherFamily, binomial_sum_pmf, gaussian_h

__all__ = ["RademacherFamily", "binomial_sum_pmf", "gaussian_h"]
