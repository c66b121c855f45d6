"""Does HEXA beat its baseline? Protocols of pre-trainings on the embedded
sets over seeds (``tools/benchmarks/quality.py``; ``tools/demo.py`` runs the
demo protocol): the protocol files (:mod:`.protocol`), the runs
(:mod:`.runs`), the test and correction (:mod:`.stats`), the analysis
(:mod:`.summary`), a selection's decision (:mod:`.decision`), a report's
recommendation (:mod:`.recommendation`), the result
files (:mod:`.result_files`), the tables and rendered documents
(:mod:`.render`), the plot (:mod:`.plot`) and the command line
(:mod:`.cli`)."""
from .cli import main, parse_args
from .protocol import (PROBES, Method, Protocol, ProtocolError, check_apart,
                       load_protocol)
from .render import (ONE_SEED_NOTE, comparisons_table, render,
                     render_documents, scores_table)
from .result_files import (ledger, protocol_of, read_results, result_path,
                           write_results)
from .runs import KNN_K, KNN_T, RANDOM, run_protocol
from .stats import holm, paired_p
from .summary import (comparisons, method_rows, missing_runs,
                      require_complete, verdicts)

__all__ = [
    'KNN_K', 'KNN_T', 'Method', 'ONE_SEED_NOTE', 'PROBES', 'Protocol',
    'ProtocolError', 'RANDOM', 'check_apart', 'comparisons',
    'comparisons_table', 'holm', 'ledger', 'load_protocol', 'main',
    'method_rows', 'missing_runs', 'paired_p', 'parse_args', 'protocol_of',
    'read_results', 'render', 'render_documents', 'require_complete',
    'result_path', 'run_protocol', 'scores_table', 'verdicts',
    'write_results'
]
