"""Pre-train the baselines and their HEXA versions on the embedded digits, compare.

    python tools/demo.py [--epochs N] [--seeds 0 ...] [--methods ...]
        [--out results] [--work-dir work_dirs/demo]

``make demo``: MoCo-v2, HEXA-MoCo, DeepCluster-v2 and HEXA-DCluster pre-train
with the same budget and seed (per-epoch log lines and kNN scores), then each
frozen backbone is scored by kNN and by a linear probe beside a randomly
initialised backbone of the same architecture. Prints the table and writes
``results/demo.md``, ``demo.json`` and the plot ``demo.png`` (kNN top-1 against
epoch). It is ``tools/benchmarks/quality.py`` with the demo's defaults: more
``--seeds`` turn it into the quality benchmark.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), 'benchmarks'))

import quality  # noqa: E402
from hexa_mm.utils.errors import run_cli  # noqa: E402

DEMO = dict(
    methods=['mocov2', 'hexa_moco', 'deepclusterv2', 'hexa_dcluster'],
    seeds=[0],
    name='demo',
    out=osp.join(quality.ROOT, 'results'),
    work_dir=osp.join(quality.ROOT, 'work_dirs', 'demo'))


def main(argv=None):
    return quality.main(argv, defaults=DEMO)


if __name__ == '__main__':
    run_cli(main)
