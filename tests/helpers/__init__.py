"""Test helpers (not shipped with the package): a fabricated run set for report and KPI
tests (:mod:`helpers.synthetic`) and the configurations in which the engine reduces to
textbook diffusion models (:mod:`helpers.docking`, also used by
``experiments/validation/validate.py``). ``tests/`` is on ``sys.path`` under pytest."""
