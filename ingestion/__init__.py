"""dlt ingestion of the shop database and the events/marketing APIs into the raw datasets.

`run(...)` is the Python entry point, `python -m ingestion run` the command line.
"""

from ingestion.settings import point_dlt_at_project

# before dlt is imported anywhere, so dlt finds the repo's .dlt/ from any working directory
point_dlt_at_project()

from ingestion.report import IngestionError, RunReport  # noqa: E402
from ingestion.runner import run  # noqa: E402
from ingestion.settings import ConfigError  # noqa: E402

__all__ = ["ConfigError", "IngestionError", "RunReport", "run"]
