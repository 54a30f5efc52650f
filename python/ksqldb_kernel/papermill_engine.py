"""The `papermill.engine` entry point: papermill loads it whenever it starts, and importing it
registers the ksql parameter translator (papermill 2.7 has no entry point for translators)."""
# papermill.engines may still be importing (it loads entry points at its end), but
# NBClientEngine is defined by then.
from papermill.engines import NBClientEngine

from . import papermill_translator  # noqa: F401  (registers the translator)


class KsqlEngine(NBClientEngine):
    """papermill's default engine, unchanged; `--engine ksqldb` works and does the same."""
