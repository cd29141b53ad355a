"""Tightness experiments: sweep files -> cells -> one result file per cell -> figures and a report.

- :mod:`~qtheory.experiments.spec`     sweep files (TOML) and their expansion into cells;
- :mod:`~qtheory.experiments.penalty`  how (a, lambda, nu) are chosen for a problem;
- :mod:`~qtheory.experiments.instance` a problem with its exact quantities (enumeration), L1's event;
- :mod:`~qtheory.experiments.measure`  excess risk, Gamma, every applicable bound, tightness, checks;
- :mod:`~qtheory.experiments.cells`    solvers (exact, Q-CD, STE) and one cell's record;
- :mod:`~qtheory.experiments.store`    atomic, resumable result files;
- :mod:`~qtheory.experiments.runner`   parallel execution (joblib or Dask) with progress;
- :mod:`~qtheory.experiments.report`   the tightness report;
- :mod:`~qtheory.experiments.plots`    one module per figure.
"""
