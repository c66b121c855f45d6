"""Pre-train the baselines and their HEXA versions on the embedded digits, compare.

    python tools/demo.py [--epochs N] [--seeds 0 ...] [--methods ...]
        [--out results] [--work-dir work_dirs/demo]

``make demo``: MoCo-v2, HEXA-MoCo, DeepCluster-v2 and HEXA-DCluster (each
HEXA algorithm in the paper's setting and with cut-mixed examples only)
pre-train with the same budget and seed (per-epoch log lines and kNN scores),
then each frozen backbone is scored by kNN and by a linear probe beside two
randomly initialised backbones of the same architecture. Prints the table
and writes ``results/demo.md``, ``demo.json`` and the plot ``demo.png`` (kNN
top-1 against epoch). It is ``tools/benchmarks/quality.py`` with the demo's
defaults: more ``--seeds`` turn it into the quality benchmark.
"""
from hexa_mm.benchmarks import quality
from hexa_mm.utils.errors import run_cli


def main(argv=None):
    return quality.main(argv, defaults=quality.DEMO)


if __name__ == '__main__':
    run_cli(main)
