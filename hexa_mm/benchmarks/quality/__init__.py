"""Does HEXA beat its baseline? The embedded digits pre-trained over seeds
(``tools/benchmarks/quality.py``, and ``tools/demo.py`` with one seed): the
methods (:mod:`.methods`), the runs (:mod:`.runs`), the table
(:mod:`.summary`), the plot (:mod:`.plot`) and the shared command line
(:mod:`.cli`)."""
from .cli import DEMO, parse_args
from .methods import BASELINES, KNN_K, KNN_T, METHODS, RANDOM, method_cfg
from .runs import run_quality
from .summary import markdown, summarize

__all__ = [
    'BASELINES', 'DEMO', 'KNN_K', 'KNN_T', 'METHODS', 'RANDOM', 'markdown',
    'method_cfg', 'parse_args', 'run_quality', 'summarize'
]
