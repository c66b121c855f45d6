"""Does HEXA beat its baseline? An embedded set (digits, shapes) pre-trained
over seeds (``tools/benchmarks/quality.py``, and ``tools/demo.py`` with one
seed on the digits): the methods (:mod:`.methods`), the runs (:mod:`.runs`),
the table (:mod:`.summary`), the plot (:mod:`.plot`), the result files
(:mod:`.result_files`) and the shared command line (:mod:`.cli`)."""
from .cli import DEMO, main, parse_args
from .methods import (BASELINES, DATASETS, KNN_K, KNN_T, METHODS, RANDOM,
                      method_cfg, method_config)
from .result_files import merge_quality
from .runs import run_quality
from .summary import ONE_SEED_NOTE, markdown, summarize

__all__ = [
    'BASELINES', 'DATASETS', 'DEMO', 'KNN_K', 'KNN_T', 'METHODS',
    'ONE_SEED_NOTE', 'RANDOM', 'main', 'markdown', 'merge_quality',
    'method_cfg', 'method_config', 'parse_args', 'run_quality', 'summarize'
]
