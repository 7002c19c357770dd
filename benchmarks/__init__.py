"""Benchmarks of the ELT: throughput, overhead, incremental cost and scaling, as ratios.

`python -m benchmarks --help`; `make bench` runs the bench preset and writes
`benchmarks/results/latest.json`, `BENCHMARKS.md` and a chart.
"""
