import argparse
import json
import os.path as osp
import re
import shlex

import pytest
import torch

from knn_reference import reference_knn_top1
from mmselfsup.registry import MODELS
from tool_runs import (CONFIGS, ROOT, digits_runner, load_tool,
                       tiny_digits_options, train_tool)

chain = load_tool('benchmarks/chain')
DIGITS_DEFAULT = [
    'knn', 'knn-random', 'kshot', 'kshot-random', 'linear', 'linear-random',
    'semi-1pct', 'semi-10pct', 'det', 'det-random'
]


@pytest.fixture(scope='module')
def tiny_pretrained(tmp_path_factory, digits_root):
    """A few MoCo-v2 iterations on 32 digits with an 8-channel ResNet-18, and
    the --cfg-options that pre-training ran with."""
    work = tmp_path_factory.mktemp('pretrain')
    digits_runner('mocov2_r18_digits.py', work, digits_root).train()
    return str(work / 'epoch_2.pth'), tiny_digits_options(digits_root)


def classifier_top1(step):
    """Top-1 (%) of a classification step's last checkpoint on its test
    split: the test command's config and options, the model's logits and
    their argmax against the labels (no MMPretrain evaluator)."""
    from mmengine.config import Config, DictAction
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner
    from mmpretrain.registry import MODELS as CLS_MODELS
    test = step['commands'][1]
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    options = parser.parse_args(test[test.index('--cfg-options'):]).cfg_options
    cfg = Config.fromfile(test[2])
    cfg.merge_from_dict(options)
    # As the Runner does: the top-level data preprocessor is the model's.
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    work = test[test.index('--work-dir') + 1]
    with open(osp.join(work, 'last_checkpoint')) as f:
        state = torch.load(f.read().strip(), map_location='cpu',
                           weights_only=False)['state_dict']
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = CLS_MODELS.build(cfg.model)
        model.load_state_dict(state)
        model.eval()
        loader = Runner.build_dataloader(
            dict(cfg.test_dataloader, num_workers=0, persistent_workers=False))
        correct = total = 0
        with torch.no_grad():
            for batch in loader:
                data = model.data_preprocessor(batch, False)
                logits = model(data['inputs'], mode='tensor')
                labels = torch.cat(
                    [s.gt_label for s in data['data_samples']])
                correct += int((logits.argmax(dim=1) == labels).sum())
                total += labels.numel()
    assert total == 500
    return 100. * correct / total


def summary_of(work_dir):
    with open(osp.join(work_dir, 'summary.json')) as f:
        summary = json.load(f)
    with open(osp.join(work_dir, 'summary.md')) as f:
        return summary, {s['name']: s for s in summary['steps']}, f.read()


def test_digits_chain_quick(tmp_path, tiny_pretrained, digits_root,
                            monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    ckpt, options = tiny_pretrained
    work = str(tmp_path / 'chain')
    base = [
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), ckpt, '--quick', '--draws',
        '2', '--data-root',
        osp.dirname(digits_root), '--work-dir', work
    ]
    # The default suite, as planned without --steps ...
    planned = chain.main(base + ['--dry-run', '--cfg-options', *options])
    assert [s['name'] for s in planned['steps']] == DIGITS_DEFAULT
    # ... run but for kshot-random (kshot's tool run, with knn-random's
    # random backbone).
    run = [s for s in DIGITS_DEFAULT if s != 'kshot-random']
    chain.main(base + ['--jobs', '2', '--steps', *run,
                       '--cfg-options', *options])
    summary, steps, md = summary_of(work)
    assert summary['algorithm'] == 'MoCo' and summary['quick']
    assert list(steps) == run
    assert all(s['status'] == 'ok' for s in steps.values()), steps
    # Each kNN figure is the kNN computed here from the same backbone: the
    # checkpoint's, and the seeded random init's (--seed 0, the modules' own).
    pretrain = train_tool.build_cfg(train_tool.parse_args([
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), '--work-dir',
        str(tmp_path / 'unused'), '--cfg-options', *options]))
    for name in ('knn', 'knn-random'):
        torch.manual_seed(0)
        model = MODELS.build(pretrain.model)
        if name == 'knn':
            model.load_state_dict(
                torch.load(ckpt, map_location='cpu',
                           weights_only=False)['state_dict'])
        else:
            model.init_weights()
        assert steps[name]['metrics']['knn_top1'] == pytest.approx(
            reference_knn_top1(model, digits_root, k=20, temperature=0.1),
            abs=1e-3), name
    assert steps['knn']['metrics'] != steps['knn-random']['metrics']
    m = steps['kshot']['metrics']
    for k in (1, 5, 10):
        assert 0 <= m[f'{k}shot_top1'] <= 100
        assert m[f'{k}shot_top1_std'] >= 0
    assert m['10shot_top1'] > 20
    # Each classification figure is the top-1 of the step's last checkpoint
    # on the 500 validation digits, computed here.
    for name in ('linear', 'linear-random', 'semi-1pct', 'semi-10pct'):
        assert steps[name]['metrics']['accuracy/top1'] == pytest.approx(
            classifier_top1(steps[name]), abs=1e-3), name
    for name in ('det', 'det-random'):
        assert 0 <= steps[name]['metrics']['pascal_voc/mAP'] <= 1
        assert 0 <= steps[name]['metrics']['pascal_voc/AP50'] <= 1
    # The Markdown table: both detection mAPs and their difference.
    det = steps['det']['metrics']['pascal_voc/mAP']
    det_random = steps['det-random']['metrics']['pascal_voc/mAP']
    assert (f'| det | pascal_voc/mAP | {det:.3f} | {det_random:.3f} | '
            f'{det - det_random:+.3f} |') in md
    for name in ('knn', 'kshot', 'linear', 'semi-1pct', 'semi-10pct', 'det'):
        assert re.search(rf'^\| {name} \| ', md, re.M), name

    # The extracted backbone is the 8-channel one, and the downstream models
    # were built at that width.
    backbone = torch.load(
        osp.join(work, 'backbone.pth'), weights_only=True)['state_dict']
    assert backbone['conv1.weight'].shape == (8, 3, 3, 3)

    def trained(step):
        with open(osp.join(work, step, 'last_checkpoint')) as f:
            return torch.load(f.read().strip(), map_location='cpu',
                              weights_only=False)['state_dict']

    # Linear probe: the frozen trunk (BN statistics included) is still the
    # pre-trained one, key for key; the random twin's is not.
    linear, linear_random = trained('linear'), trained('linear-random')
    assert linear['head.fc.weight'].shape == (10, 64)
    for key, value in backbone.items():
        assert torch.equal(linear[f'backbone.{key}'], value), key
    assert not torch.equal(linear_random['backbone.conv1.weight'],
                           backbone['conv1.weight'])
    # ... and is the modules' own random init (ResNet's Kaiming, fan_out:
    # std sqrt(2 / 72) here; PyTorch's default would give about 0.068).
    w = linear_random['backbone.layer1.0.conv1.weight']
    assert w.shape == (8, 8, 3, 3)
    assert w.std().item() == pytest.approx((2 / 72)**0.5, rel=0.2)
    # Detection ran for both backbones, only the first from the checkpoint.
    for name, pretrained in (('det', True), ('det-random', False)):
        with open(steps[name]['log']) as f:
            log = f.read()
        assert 'tools/train.py' in log and 'tools/test.py' in log
        loaded = 'load model from: ' + osp.join(work, 'backbone.pth')
        assert (loaded in log) == pretrained, name
        assert 'rpn_head.in_channels=64' in ' '.join(
            steps[name]['commands'][0])
    # The pre-trained detector started from the checkpoint's stem (a few
    # iterations at lr warm-up barely move it); the random one did not.
    det_ckpt, det_random_ckpt = trained('det'), trained('det-random')
    start = backbone['conv1.weight']
    assert (det_ckpt['backbone.conv1.weight'] - start).abs().max() < (
        det_random_ckpt['backbone.conv1.weight'] - start).abs().max()

    # A failing step: the summary keeps what was measured, the error names the
    # step and its log, the later steps stay pending. --skip-done keeps knn's
    # result from the run above instead of running it again.
    with pytest.raises(chain.ChainError) as e:
        chain.main(base + [
            '--steps', 'knn', 'kshot', 'semi-1pct-random', '--shots', '1000',
            '--skip-done', '--cfg-options', *options
        ])
    log = osp.join(work, 'logs', 'kshot.log')
    assert "step 'kshot'" in str(e.value) and log in str(e.value)
    summary2, steps2, md2 = summary_of(work)
    assert list(steps2) == ['knn', 'kshot', 'semi-1pct-random']
    assert steps2['knn'] == steps['knn']
    assert steps2['kshot']['status'] == 'failed'
    assert log in steps2['kshot']['error']
    assert steps2['semi-1pct-random']['status'] == 'pending'
    with open(log) as f:
        assert 'per_class=1000' in f.read()
    assert '**kshot failed**' in md2 and '| knn | knn_top1 |' in md2


def test_backbone_that_does_not_fit_fails_before_any_step(
        tmp_path, tiny_pretrained):
    ckpt, _ = tiny_pretrained
    # Without the pre-training's width overrides the downstream configs keep
    # 64 channels: the 8-channel checkpoint does not fit them.
    with pytest.raises(chain.ChainError) as e:
        chain.main([
            osp.join(CONFIGS, 'mocov2_r18_digits.py'), ckpt, '--steps',
            'linear', '--work-dir',
            str(tmp_path / 'w')
        ])
    message = str(e.value)
    assert 'resnet18_linear-1xb64-steplr-200i_digits.py' in message
    assert 'shapes differ' in message and 'conv1.weight' in message
    assert ckpt in message
    assert not osp.exists(tmp_path / 'w' / 'summary.json')


def test_bad_input_is_named(tmp_path, tiny_pretrained):
    ckpt, _ = tiny_pretrained
    config = osp.join(CONFIGS, 'mocov2_r18_digits.py')
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(chain.ChainError, match=re.escape(missing)):
        chain.main([config, missing])
    with pytest.raises(chain.ChainError, match=r"unknown step\(s\) \['lniear'\]"
                       r'.*its steps: knn, knn-random, kshot'):
        chain.main([config, ckpt, '--steps', 'knn', 'lniear'])
    with pytest.raises(chain.ChainError, match='--jobs 2'):
        chain.main([config, ckpt, '--launcher', 'pytorch', '--gpus', '2',
                    '--jobs', '2'])
    with pytest.raises(chain.ChainError, match='--gpus 4 needs'):
        chain.main([config, ckpt, '--gpus', '4'])
    not_a_checkpoint = tmp_path / 'empty.pth'
    not_a_checkpoint.write_bytes(b'')
    with pytest.raises(chain.ChainError,
                       match='cannot extract the backbone of checkpoint'):
        chain.main([config, str(not_a_checkpoint), '--steps', 'knn'])


def commands_of(summary):
    return {s['name']: s['commands'] for s in summary['steps']}


def test_imagenet_dry_run_picks_the_protocol_and_the_launcher(
        tmp_path, capsys):
    fake = tmp_path / 'pretrain.pth'
    fake.write_bytes(b'not read by a dry run')
    work = str(tmp_path / 'chain')
    # HEXA-MoCo, 8 GPUs with torchrun: MoCo's linear protocol and VOC.
    summary = chain.main([
        osp.join(CONFIGS, 'hexa_moco_r50_200e.py'),
        str(fake), '--launcher', 'pytorch', '--gpus', '8', '--work-dir', work,
        '--dry-run'
    ])
    printed = capsys.readouterr().out
    assert summary['suite'] == 'imagenet' and summary['algorithm'] == 'HEXAMoCo'
    cmds = commands_of(summary)
    assert list(cmds) == ['linear', 'voc']  # COCO only when asked for
    backbone = osp.join(work, 'backbone.pth')
    for name, config in (
        ('linear', 'classification/imagenet/'
         'resnet50_linear-8xb32-steplr-100e_in1k.py'),
        ('voc', 'mmdetection/voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py')):
        train, test = cmds[name]
        for cmd, script in ((train, 'tools/train.py'), (test, 'tools/test.py')):
            assert cmd[1:5] == [
                '-m', 'torch.distributed.run', '--nproc_per_node=8',
                '--master_port=29500'
            ]
            assert cmd[5] == osp.join(ROOT, script)
            assert cmd[6] == osp.join(ROOT, 'configs', 'benchmarks', config)
            assert cmd[cmd.index('--launcher') + 1] == 'pytorch'
        assert f'model.backbone.init_cfg.checkpoint={backbone}' in train
        assert 'model.backbone.init_cfg.type=Pretrained' in train
        # Same backbone, no --quick, no --data-root: the test needs no option.
        assert '--cfg-options' not in test
        assert test[test.index('--out-metrics') + 1] == osp.join(
            work, name, 'metrics.json')
        assert shlex.join(train[5:7]) in printed
    # The C4 shared head (res5) is initialised from the same backbone.
    assert (f'model.roi_head.shared_head.init_cfg.checkpoint={backbone}'
            in cmds['voc'][0])
    # The same backbone: nothing to forward.
    assert not any(c.startswith('model.backbone.depth') for c in cmds['voc'][0])
    # The test loads the checkpoint that the training names.
    assert cmds['linear'][1][7] == '"$(cat {})"'.format(
        osp.join(work, 'linear', 'last_checkpoint'))

    # DeepCluster-v2 under Slurm, 16 GPUs: SwAV's linear protocol; COCO asked.
    summary = chain.main([
        osp.join(CONFIGS, 'deepclusterv2_r50_200e.py'),
        str(fake), '--launcher', 'slurm', '--gpus', '16', '--partition', 'gpu',
        '--work-dir', work, '--steps', 'linear', 'coco', '--dry-run', '--quick'
    ])
    cmds = commands_of(summary)
    assert list(cmds) == ['linear', 'coco']
    train = cmds['linear'][0]
    assert train[:9] == [
        'srun', '-p', 'gpu', '--job-name=hexa-linear', '--gres=gpu:8',
        '--ntasks=16', '--ntasks-per-node=8', '--cpus-per-task=5',
        '--kill-on-bad-exit=1'
    ]
    assert train[11].endswith('tools/train.py')
    assert train[12].endswith(
        'imagenet/resnet50_swav-linear-8xb32-coslr-100e_in1k.py')
    assert train[train.index('--launcher') + 1] == 'slurm'
    # --quick: one epoch of 64 images per GPU, no validation, a small test set.
    assert 'train_cfg.max_epochs=1' in train
    assert 'train_dataloader.dataset.indices=1024' in train
    assert 'val_dataloader=None' in train
    assert 'test_dataloader.dataset.indices=64' in cmds['linear'][1]
    assert cmds['coco'][0][12].endswith('coco/mask-rcnn_r50-c4_ms-1x_coco.py')

    # An explicit linear config overrides the choice by algorithm.
    other = osp.join(ROOT, 'configs', 'benchmarks', 'classification',
                     'imagenet', 'resnet50_linear-8xb32-steplr-100e_in1k.py')
    summary = chain.main([
        osp.join(CONFIGS, 'deepclusterv2_r50_200e.py'),
        str(fake), '--steps', 'linear', '--linear-config', other, '--dry-run'
    ])
    assert commands_of(summary)['linear'][0][2] == other


def test_root_names_the_configs_and_tools_that_the_steps_run(tmp_path):
    """--root: another folder's configs/ and tools/, wherever hexa_mm is."""
    root = tmp_path / 'root'
    (root / 'tools').mkdir(parents=True)
    (root / 'tools' / 'train.py').write_text('')
    (root / 'configs').symlink_to(CONFIGS)
    fake = tmp_path / 'pretrain.pth'
    fake.write_bytes(b'not read by a dry run')
    args = [osp.join(CONFIGS, 'hexa_moco_r50_200e.py'), str(fake),
            '--steps', 'linear', 'knn', '--dry-run', '--work-dir',
            str(tmp_path / 'chain')]
    cmds = commands_of(chain.main(args + ['--root', str(root)]))
    train, test = cmds['linear']
    assert train[1:3] == [
        str(root / 'tools' / 'train.py'),
        str(root / 'configs' / 'benchmarks' / 'classification' / 'imagenet' /
            'resnet50_linear-8xb32-steplr-100e_in1k.py')
    ]
    assert test[1] == str(root / 'tools' / 'test.py')
    assert cmds['knn'][0][1] == str(root / 'tools' / 'benchmarks' / 'knn.py')
    # A folder without the tools is refused before anything is planned.
    with pytest.raises(chain.ChainError, match='--root .*no tools/train.py'):
        chain.main(args + ['--root', str(tmp_path)])
    # A root without a step's config names the file it looked for.
    (root / 'configs').unlink()
    (root / 'configs').mkdir()
    with pytest.raises(chain.ChainError,
                       match=re.escape(str(root / 'configs' / 'benchmarks'))):
        chain.main(args + ['--root', str(root)])
