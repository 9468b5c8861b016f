"""Synthetic utility generator: writes the raw data contract of DESIGN.md for a fictional city.

`generate()` is the entry point; `powerlens generate` (cli.py) wraps it.
"""
from powerlens.generator.core import GeneratorOptions, generate

__all__ = ["GeneratorOptions", "generate"]
