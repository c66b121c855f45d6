"""Does HEXA beat its baseline? Pre-train on an embedded set over seeds.

    python tools/benchmarks/quality.py [--methods mocov2 hexa_moco ...]
        [--seeds 0 1 2] [--epochs N] [--eval-interval E]
        [--dataset digits|shapes] [--data-root data/DATASET]
        [--out results/quality] [--work-dir work_dirs/quality]
        [--name quality] [--resume]
    python tools/benchmarks/quality.py --merge A.json B.json ... --name NAME

``--dataset shapes`` runs each method's ``configs/*_r18_shapes.py`` (the
digits recipe on the embedded shapes: 2,000 training and 500 validation
images) and scores on the shapes; the text below says digits for both.

Every method pre-trains through MMEngine's Runner with the same budget and seed
(per-epoch log lines), scored every ``--eval-interval`` epochs by weighted kNN
(k = 20, T = 0.1) on the 500 validation digits, and at the end by kNN and by a
linear probe (logistic regression on the frozen, standardised features of the
1,297 training digits). Each seed also scores two randomly initialised
backbones of the same architecture, the bars to beat: the modules' own
initialisation (Kaiming for ResNet: where pre-training starts, and the random
init of every other tool), and PyTorch's default initialisation, a higher bar
on these small images (hexa_mm.evaluation.probe). Per method it reports the
mean and the spread (population std) over seeds, and writes, after every run so
that an interruption loses nothing already measured::

    <out>/<name>.json   every run: per-epoch kNN curve, final scores, minutes
    <out>/<name>.md     the table, with each HEXA method's difference to
                        its baseline (a cheaper HEXA-MoCo variant's to the
                        full setting) seed by seed (mean +- std, and the
                        paired t-test p-value over the seeds)
    <out>/<name>.png    kNN top-1 against epoch, mean +- std over seeds,
                        the random backbones as dashed lines; beside it the
                        online linear probe's top-1 against epoch, for the
                        configs that run one (the digits configs do)
    <out>/<name>_tsne/<method>_seed<seed>.png
                        t-SNE map of the frozen backbone's features of the
                        validation digits, per method and random backbone
                        (first seed only; --no-tsne skips them)

``--resume`` keeps the runs already in ``<out>/<name>.json`` and runs only
the missing ones; ``--merge`` trains nothing and writes the runs of several
result files (a grid run in pieces) as one table.

``tools/demo.py`` is this benchmark with one seed and the demo's budget.
"""
from hexa_mm.benchmarks.quality import main
from hexa_mm.utils.errors import run_cli

if __name__ == '__main__':
    run_cli(main)
