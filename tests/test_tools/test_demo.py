"""``make demo`` in small: every method family, one epoch, all outputs."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from knn_reference import reference_knn_top1
from mmselfsup.registry import MODELS
from tool_runs import load_tool

from hexa_mm.benchmarks import quality
from hexa_mm.utils.errors import UserError

demo = load_tool('demo')
quality_tool = load_tool('benchmarks/quality')


def test_demo_writes_table_json_and_plot(digits_root, tmp_path, capsys):
    """What ``make demo`` runs (its six methods), for 1 epoch (the kNN
    curve of several epochs: test_knn_eval_hook.py), without its t-SNE maps
    (test_demo_monitoring.py)."""
    out = tmp_path / 'results'
    runs = demo.main([
        '--epochs', '1', '--eval-interval', '1', '--data-root',
        str(digits_root), '--out',
        str(out), '--work-dir',
        str(tmp_path / 'work'), '--no-tsne'
    ])
    randoms = ['random init', 'random init (PyTorch default)']
    methods = ['mocov2', 'hexa_moco', 'hexa_moco_cutmix', 'deepclusterv2',
               'hexa_dcluster', 'hexa_dcluster_cutmix']
    assert quality.DEMO['methods'] == methods
    assert [r['method'] for r in runs] == randoms + methods
    # Two initialisations of the random bar, two different scores.
    assert runs[0]['knn_top1'] != runs[1]['knn_top1']
    for run in runs[2:]:
        # kNN after every epoch, and a checkpoint of the last one.
        assert [e for e, _ in run['curve']] == [1]
        assert run['checkpoint'] == str(
            tmp_path / 'work' / f"{run['method']}_seed0" / 'epoch_1.pth')
        # The last point of the curve and the final score: one backbone.
        assert run['curve'][-1][1] == run['knn_top1']
        # Hardness of the HEXA runs' hard examples, side by side with the
        # same clean rows: the attack raises the loss (the cut-mix settings
        # make no adversarial examples).
        if run['method'].startswith('hexa'):
            last = run['hardness']['last_epoch']
            kinds = ['mix'] if run['method'].endswith('_cutmix') else [
                'adv', 'mix']
            assert set(last) == {'clean_win', *(f'{k}_win' for k in kinds),
                                 *(f'{k}_ratio' for k in kinds)}
            assert all(last[f'{k}_ratio'] > 1 for k in kinds)
            assert all(0 <= last[f'{k}_win'] <= 1 for k in ['clean', *kinds])
        else:
            assert 'hardness' not in run
    for run in runs:
        assert 10 < run['linear_top1'] <= 100, run['method']
        # The kNN figure is the kNN computed here from the same backbone:
        # the saved checkpoint's, or the seeded random init's.
        cfg = quality.method_cfg(
            methods[0] if run['checkpoint'] is None else run['method'], 0,
            quality.parse_args(['--data-root', str(digits_root)]))
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        if run['checkpoint'] is not None:
            model.load_state_dict(torch.load(
                run['checkpoint'], map_location='cpu',
                weights_only=False)['state_dict'])
        elif run['method'] == 'random init':
            model.init_weights()
        assert run['knn_top1'] == pytest.approx(round(reference_knn_top1(
            model, digits_root, k=20, temperature=0.1), 2), abs=1e-6), run

    saved = json.loads((out / 'demo.json').read_text())
    assert saved['runs'] == json.loads(json.dumps(runs))
    assert [row['method'] for row in saved['summary']] == randoms + methods
    rows = {row['method']: row for row in saved['summary']}
    scores = {r['method']: r for r in runs}
    for hexa, base in (('hexa_moco', 'mocov2'), ('hexa_moco_cutmix', 'mocov2'),
                       ('hexa_dcluster', 'deepclusterv2'),
                       ('hexa_dcluster_cutmix', 'deepclusterv2')):
        assert rows[hexa]['baseline'] == base
        for key in ('knn_top1', 'linear_top1'):
            assert rows[hexa][key + '_diff'] == pytest.approx(
                scores[hexa][key] - scores[base][key], abs=0.006)
        assert rows[hexa]['hardness'] == pytest.approx(
            scores[hexa]['hardness']['last_epoch'], abs=6e-4)
    table = (out / 'demo.md').read_text()
    assert table.startswith('| method | epochs | seeds |')
    assert '| mocov2 | 1 | 1 |' in table
    assert '| hexa_dcluster | 1 | 1 |' in table
    assert table in capsys.readouterr().out

    plot = np.asarray(Image.open(out / 'demo.png').convert('L'))
    assert plot.shape[0] > 300 and plot.shape[1] > 400
    assert plot.std() > 10  # lines and text, not a blank canvas
    assert not list(out.glob('*.tmp*'))
    assert not (out / 'demo_tsne').exists()


def test_quality_runs_every_seed_in_order_and_resumes(digits_root, tmp_path,
                                                     capsys):
    args = ['--methods', 'mocov2', '--epochs', '1', '--data-root',
            str(digits_root), '--no-tsne', '--out', str(tmp_path / 'out'),
            '--work-dir', str(tmp_path / 'work')]
    first = quality_tool.main([*args, '--seeds', '0'])
    # Seed 1 is added to the file; seed 0 is kept, not run again (a rerun
    # would take other minutes).
    runs = quality_tool.main([*args, '--seeds', '0', '1', '--resume'])
    assert '== mocov2, seed 0: in ' in capsys.readouterr().out
    assert runs[:3] == json.loads(json.dumps(first))
    assert [(r['method'], r['seed']) for r in runs] == [
        (name, seed) for seed in (0, 1)
        for name in [*quality.RANDOM, 'mocov2']
    ]
    # Other seeds, other random backbones and other pre-training runs.
    assert runs[0]['knn_top1'] != runs[3]['knn_top1']
    summary = json.loads((tmp_path / 'out' / 'quality.json').read_text())
    assert summary['dataset'] == 'digits'
    assert summary['runs'] == json.loads(json.dumps(runs))
    row = next(r for r in summary['summary'] if r['method'] == 'mocov2')
    assert row['seeds'] == 2 and row['knn_top1_std'] > 0
    assert not (tmp_path / 'out' / 'quality_tsne').exists()
    # Another budget is not resumed into the same table.
    with pytest.raises(UserError, match=r'quality\.json: mocov2, seed 0 ran '
                       r'1 epochs, this run asks for 2'):
        quality_tool.main([*args, '--seeds', '0', '--resume', '--epochs', '2'])
    assert json.loads((tmp_path / 'out' / 'quality.json').read_text()) == \
        summary


def test_quality_on_the_shapes_trains_and_scores_on_the_shapes(shapes_root):
    """``--dataset shapes``: each method's shapes config, its kNN hook and
    the final scores on the shapes' splits."""
    from hexa_mm.benchmarks.quality.runs import random_init
    args = quality.parse_args(['--dataset', 'shapes', '--data-root',
                               str(shapes_root), '--methods', 'hexa_moco',
                               'deepclusterv2'])
    for method in args.methods:
        cfg = quality.method_cfg(method, 0, args)
        assert cfg.filename.endswith(f'configs/{method}_r18_shapes.py')
        assert cfg.train_dataloader.dataset.type == 'ShapesDataset'
        knn_hook = cfg.custom_hooks[-1]
        assert knn_hook.type == 'KNNEvalHook'
        for split in ('train', 'val'):
            dataset = knn_hook[f'{split}_dataset']
            assert (dataset.type, dataset.split, dataset.data_root) == (
                'ShapesDataset', split, str(shapes_root))
    # The random bars: the kNN figure is the one computed here on the
    # shapes.
    runs = random_init(0, args)
    torch.manual_seed(0)
    model = MODELS.build(quality.method_cfg('hexa_moco', 0, args).model)
    model.init_weights()
    assert runs[0]['method'] == 'random init'
    assert runs[0]['knn_top1'] == pytest.approx(round(reference_knn_top1(
        model, shapes_root, k=20, temperature=0.1, dataset='shapes'), 2),
        abs=1e-6)
    with pytest.raises(SystemExit):
        quality.parse_args(['--dataset', 'cifar'])
