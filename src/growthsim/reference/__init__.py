"""The reference model: the engine's member rules as a plain Mesa model with one agent per
person. Slow and obvious; used to dock the fast engine in tests and as the benchmark
baseline. See :mod:`growthsim.reference.model`."""

from growthsim.reference.model import MIRRORED_FIELDS, Person, ReferenceModel, simulate_reference

__all__ = ["MIRRORED_FIELDS", "Person", "ReferenceModel", "simulate_reference"]
