"""Does HEXA beat its baseline? Run a protocol, report it, render it.

    python tools/benchmarks/quality.py run PROTOCOL [--datasets ...]
        [--methods ...] [--seeds ...] [--data-root data/{dataset}]
        [--out results] [--work-dir work_dirs/quality] [--tsne]
    python tools/benchmarks/quality.py status RESULT.json
    python tools/benchmarks/quality.py report RESULT.json
    python tools/benchmarks/quality.py render DOC.md ... [--check]

A protocol (``protocols/*.py``, :mod:`hexa_mm.benchmarks.quality.protocol`)
fixes before its runs the embedded sets, the methods and their baselines
(configs, with ``cfg_options``), the seeds (the same for every method), the
bar and whether it selects or reports. ``run`` pre-trains what is missing of
it through MMEngine's Runner (per-epoch log lines, kNN every fifth of the
run), scores each frozen backbone at the end by kNN (k = 20, T = 0.1) and a
linear probe (logistic regression on the standardised features of the
training split) on the validation split, beside two random backbones of the
same architecture at each seed, and writes ``<out>/<protocol>.json`` after
every run (an interruption loses nothing; a rerun continues; a protocol
changed after its runs began is refused) and a plot per set. ``report``
prints the tables of a complete result file: per method mean +- std over
seeds, per comparison the paired difference with its raw and Holm-corrected
p (two-sided paired t-test), and whether it clears the bar. ``render``
rewrites the tables that README and docs render from result files.

``tools/demo.py`` runs ``protocols/demo.py``.
"""
from hexa_mm.benchmarks.quality import main
from hexa_mm.utils.errors import run_cli

if __name__ == '__main__':
    run_cli(main)
