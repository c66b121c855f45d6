"""Pre-train the baselines and their HEXA versions on the embedded digits,
compare them at one seed.

    python tools/demo.py [--out results/demo] [--work-dir work_dirs/demo]

``make demo``: runs ``protocols/demo.py`` (MoCo-v2 and DeepCluster-v2, each
with HEXA as the paper designs it and with cut-mixed examples only, beside
them and in place of half of the clean views), scores every frozen backbone
by kNN and a linear probe beside two random backbones, prints the tables and
writes ``results/demo/demo.json``, ``demo_digits.png`` (kNN and online-probe
curves) and a t-SNE map per method. Once the three-set report
(``results/report_three_sets.json``) is complete, the tables mark the
setting it recommends for each family. It is ``tools/benchmarks/quality.py run``
with the demo protocol: one seed shows that each method trains, not which
is better.
"""
import os.path as osp
import sys

from hexa_mm.benchmarks import quality
from hexa_mm.utils.errors import run_cli

PROTOCOL = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                    'protocols', 'demo.py')


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    return quality.main(['run', PROTOCOL, '--tsne'] + argv,
                        defaults=dict(out=osp.join('results', 'demo'),
                                      work_dir=osp.join('work_dirs', 'demo')))


if __name__ == '__main__':
    run_cli(main)
