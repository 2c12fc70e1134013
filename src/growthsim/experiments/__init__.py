"""Experiments at scale: sweeps over scenario factors (grid, Latin hypercube, Sobol',
Morris, one-at-a-time designs) run on Dask, and sensitivity analysis of the KPIs."""

from growthsim.experiments.design import DesignTable, expand, run_seed
from growthsim.experiments.schema import Experiment, ExperimentSpec, experiment_from_dict, load_experiment
from growthsim.experiments.sensitivity import sensitivity, tornado_table
from growthsim.experiments.sweep import point_plan, read_sweep, run_sweep

__all__ = [
    "DesignTable",
    "Experiment",
    "ExperimentSpec",
    "expand",
    "experiment_from_dict",
    "load_experiment",
    "point_plan",
    "read_sweep",
    "run_seed",
    "run_sweep",
    "sensitivity",
    "tornado_table",
]
