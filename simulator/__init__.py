"""Simulated online retailer ("source systems in a box"): see simulator/README.md.

Programmatic API:
    simulator.generate(preset, seed, directory)   -> Path of the world
    simulator.advance(directory, days=1)           -> State after the last day
    simulator.server.running(directory, port=0, faults=None)  (context manager -> base URL)
    simulator.truth                                 ground-truth figures
"""

from .evolve import advance
from .generate import generate
from .state import NotGeneratedError, State, resolve_dir

__all__ = ["NotGeneratedError", "State", "advance", "generate", "resolve_dir"]
