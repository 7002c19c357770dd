"""Data governance for the warehouse: Postgres roles and grants, PII hashing, erasure requests.

`python -m governance roles` sets up the loader / transformer / bi_reader roles on Postgres;
`python -m governance erase --customer-id N` erases one customer everywhere and records it.
See docs/governance.md.
"""
