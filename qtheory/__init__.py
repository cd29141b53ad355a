"""qtheory: theory verification for the generalization of quantized deep neural networks.

The theorem statements encoded here are a reconstruction of the claims of Hernandez, Taslimi, Lee, Liu and
Pardalos, *Training generalizable quantized deep neural nets* (Expert Systems with Applications 213, 2023);
see README.md.  Heavy libraries (sympy, torch, cvxpy, matplotlib) are imported only where they are needed.
"""

from qtheory.grid import Grid

__all__ = ["Grid"]
__version__ = "0.1.0"
