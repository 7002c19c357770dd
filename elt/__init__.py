"""The whole ELT in one command: simulate the sources, ingest with dlt, build with dbt."""
