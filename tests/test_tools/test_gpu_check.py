"""tools/benchmarks/gpu_check.py, the check prepared for a lent GPU, runs on
CPU at its smallest (2 steps of 2 images, 32 px, ResNet-18) so that it cannot
rot: every family, both augment settings, AMP off and, where MMEngine's AMP
wrapper cannot run (no CUDA), AMP rows that say why. Its runs are configured
as tools/train.py configures them. The figures are a property of the machine,
never asserted; their shape and the ratios' arithmetic are."""
import json
import math
import os.path as osp

import pytest
import torch

from tool_runs import CONFIGS, load_tool, train_tool

from hexa_mm.benchmarks.gpu_check import FAMILIES, run_cfg

gpu_check = load_tool('benchmarks/gpu_check')

TINY = ['--steps', '2', '--batch', '2', '--size', '32', '--depth', '18',
        '--workers', '0']
PAIRS = {'hexa_moco': 'mocov2', 'hexa_dcluster': 'deepclusterv2'}


def test_every_family_setting_and_ratio_on_cpu(tmp_path, capsys):
    out = str(tmp_path / 'gpu_check')
    gpu_check.main(TINY + ['--amp', 'both', '--augment', 'both', '--out', out])
    printed = capsys.readouterr().out
    print(printed)  # the figures, for a reader (pytest -s)
    with open(out + '.json') as f:
        report = json.load(f)
    with open(out + '.md') as f:
        table = f.read()
    assert printed.rstrip().endswith(table.rstrip())
    settings = report['settings']
    assert (settings['steps'], settings['warmup'], settings['batch'],
            settings['size'], settings['depth']) == (2, 1, 2, 32, 18)
    env = report['environment']
    assert env['torch'] == torch.__version__
    cuda = torch.cuda.is_available()
    assert env['device'] == (torch.cuda.get_device_name() if cuda else 'cpu')

    rows = report['rows']
    # One row per (AMP, augment, family), in that order.
    assert [(r['amp'], r['augment'], r['key']) for r in rows] == [
        (amp, augment, key) for amp in (False, True)
        for augment in ('device', 'cpu') for key in FAMILIES]
    for row in rows:
        assert row['family'] == FAMILIES[row['key']].name
        if row['amp'] and not cuda:
            assert row['status'] == 'skipped', row
            assert "AmpOptimWrapper refuses this machine" in row['reason']
            assert 'images_per_s' not in row
            continue
        assert row['status'] == 'ok' and row['reason'] is None, row
        assert row['timed_steps'] == 1
        assert row['images_per_s'] == pytest.approx(2 / row['sec_per_step'])
        assert row['images_per_s'] > 0 and row['peak_mib'] > 0
        assert math.isfinite(row['loss'])

    def row_of(key, amp, augment):
        (found, ) = [r for r in rows if (r['key'], r['amp'], r['augment']) ==
                     (key, amp, augment)]
        return found

    ratios = report['ratios']
    assert len(ratios) == len(PAIRS) * 4
    for ratio in ratios:
        assert PAIRS[ratio['hexa']] == ratio['baseline']
        hexa = row_of(ratio['hexa'], ratio['amp'], ratio['augment'])
        base = row_of(ratio['baseline'], ratio['amp'], ratio['augment'])
        assert ratio['pair'] == f"{hexa['family']} / {base['family']}"
        if hexa['status'] != 'ok':
            assert ratio['status'] == 'skipped'
            assert ratio['reason'] == hexa['reason']
            continue
        assert ratio['status'] == 'ok'
        assert ratio['images_per_s'] == pytest.approx(
            hexa['images_per_s'] / base['images_per_s'])
        assert ratio['peak_mib'] == pytest.approx(
            hexa['peak_mib'] / base['peak_mib'])
    # The tables: a header and a line per run and per ratio; a skip's reason
    # is printed once, as a note that the skipped rows point to.
    assert table.count('\n| ') == 2 + len(rows) + len(ratios)
    if not cuda:
        assert table.count('skipped (1)') == 8 + 4
        assert "(1) MMEngine's AmpOptimWrapper refuses this machine" in table


def test_amp_rows_train_where_the_amp_wrapper_builds(tmp_path, monkeypatch):
    """With MMEngine's refusal lifted (as in test_train_amp.py: torch's CPU
    autocast, bfloat16, needs no accelerator), the AMP rows train through
    AmpOptimWrapper, as they will on a GPU: the HEXA families, whose
    two-pass steps are what AMP could break (bfloat16 on CPU is slow: the
    baselines are left out, and with them the ratios)."""
    import mmengine.optim.optimizer.amp_optimizer_wrapper as amp_wrapper
    monkeypatch.setattr(amp_wrapper, 'is_cuda_available', lambda: True)
    backward = amp_wrapper.AmpOptimWrapper.backward
    calls = []

    def counted(self, loss, **kwargs):
        calls.append(loss.detach())
        return backward(self, loss, **kwargs)

    monkeypatch.setattr(amp_wrapper.AmpOptimWrapper, 'backward', counted)
    out = str(tmp_path / 'gpu_check')
    hexa = ['hexa_moco', 'hexa_dcluster']
    report = gpu_check.main(TINY + ['--amp', 'on', '--augment', 'device',
                                    '--families', *hexa, '--out', out])
    assert [(r['key'], r['amp'], r['status']) for r in report['rows']] == [
        (key, True, 'ok') for key in hexa]
    assert len(calls) >= 2 * len(hexa)  # every step of every run
    assert all(torch.isfinite(loss) for loss in calls)
    assert report['ratios'] == []


@pytest.mark.parametrize('key', ['hexa_moco', 'hexa_dcluster'])
def test_runs_are_configured_as_train_py_configures_them(key, tmp_path):
    """At the configs' own depth and crop side, a run's config is
    ``tools/train.py --amp --cpu-augment``'s with the run's options."""
    config = osp.join(CONFIGS, FAMILIES[key].config)
    work_dir, data = str(tmp_path / 'work'), str(tmp_path / 'data') + '/'
    ours = run_cfg(config, data, work_dir, batch=2, steps=3, size=224,
                   workers=0, depth=50, amp=True, cpu_augment=True,
                   name='run')
    options = [
        f'train_dataloader.dataset.data_root={data}',
        'train_dataloader.dataset.ann_file=meta/train.txt',
        'train_dataloader.dataset.data_prefix.img_path=train/',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_cfg.max_epochs=1',
        'default_hooks.checkpoint.save_last=False', 'randomness.seed=0',
        'log_level=WARNING', 'experiment_name=run', 'visualizer.name=run'
    ]
    if key == 'hexa_dcluster':  # one process: BN; the bank fits the data
        options += ['model.backbone.norm_cfg.type=BN',
                    'model.neck.norm_cfg.type=BN1d', 'model.num_samples=6',
                    'model.head.num_prototypes=3']
    theirs = train_tool.build_cfg(train_tool.parse_args(
        [config, '--work-dir', work_dir, '--amp', '--cpu-augment',
         '--cfg-options', *options]))
    assert ours.optim_wrapper.type == 'AmpOptimWrapper'
    assert ours.model.data_preprocessor.type == 'SelfSupDataPreprocessor'
    assert ours.to_dict() == theirs.to_dict()


def test_a_configs_folder_without_the_configs_is_named(tmp_path):
    from hexa_mm.utils import UserError
    with pytest.raises(UserError, match=f'--configs {tmp_path}: no '
                       r'hexa_moco_r50_200e.py there \(hexa_moco\)'):
        gpu_check.main(TINY + ['--configs', str(tmp_path), '--families',
                               'hexa_moco', '--out', str(tmp_path / 'r')])


def test_one_step_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as exit:
        gpu_check.main(['--steps', '1'])
    assert exit.value.code == 2
    assert '--steps 1: need at least 2' in capsys.readouterr().err
