"""tools/test.py on a classifier trained with an ImageNet benchmark config."""
import glob
import json
import os
import os.path as osp
import re
import sys

import pytest
import torch

# The fake ImageNet and the pre-trained backbone of the benchmark configs'
# tests.
sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'test_configs'))
from imagenet_fakes import (BENCHMARKS, pretrained_backbone,  # noqa: E402
                            write_fake_imagenet)
from tool_runs import ROOT, load_tool, run_tool, train_tool  # noqa: E402

CONFIG = osp.join(BENCHMARKS, 'resnet50_linear-8xb32-steplr-100e_in1k.py')
VAL_PER_CLASS = [1, 4, 2]  # uneven, so that accuracies tell classes apart
test_tool = load_tool('test')


def eval_options(data_root, name):
    """--cfg-options: the fake ImageNet's val split, 32-pixel crops."""
    opts = [f'experiment_name={name}']
    for loader in ('val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.num_workers=0',
            f'{loader}.dataset.pipeline.1.scale=36',
            f'{loader}.dataset.pipeline.2.crop_size=32',
        ]
    return opts


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A linear probe trained by tools/train.py for one epoch (3 iterations)
    on the fake ImageNet, validated at the end of it."""
    root = tmp_path_factory.mktemp('test_tool')
    data_root = write_fake_imagenet(root / 'imagenet', 4, VAL_PER_CLASS)
    backbone = pretrained_backbone(root)
    work_dir = root / 'linear'
    train_tool.main([
        CONFIG, '--work-dir',
        str(work_dir), '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={backbone["backbone"]}',
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'train_dataloader.dataset.pipeline.1.scale=32',
        'train_cfg.max_epochs=1', 'randomness.seed=0',
        *eval_options(data_root, 'test_tool_train')
    ])
    scalars, = glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json'))
    with open(scalars) as f:
        logged = [json.loads(line) for line in f]
    val = [entry for entry in logged if 'accuracy/top1' in entry]
    assert len(val) == 1
    return dict(
        data_root=data_root,
        backbone=backbone,
        checkpoint=str(work_dir / 'epoch_1.pth'),
        val=val[0])


def test_out_metrics_holds_the_trained_classifiers_top1_and_top5(
        trained, tmp_path):
    out = tmp_path / 'results' / 'metrics.json'  # its folder is created
    output = run_tool([
        sys.executable, 'tools/test.py', CONFIG, trained['checkpoint'],
        '--work-dir',
        str(tmp_path / 'work'), '--out-metrics',
        str(out), '--cfg-options',
        *eval_options(trained['data_root'], 'test_tool_cli')
    ], cwd=ROOT)
    metrics = json.loads(out.read_text())
    assert set(metrics) == {'accuracy/top1', 'accuracy/top5'}
    # The same weights on the same images as the validation after training.
    for key in metrics:
        assert metrics[key] == pytest.approx(trained['val'][key], abs=1e-4)
        assert 0 <= metrics[key] <= 100
    # Seven images: every accuracy is a multiple of 100 / 7.
    assert metrics['accuracy/top1'] * 7 / 100 == pytest.approx(
        round(metrics['accuracy/top1'] * 7 / 100), abs=1e-4)
    assert os.listdir(out.parent) == ['metrics.json']  # no temporary left
    assert 'accuracy/top1' in output


def test_metrics_are_those_of_the_given_checkpoint(trained, tmp_path):
    # A head that ignores the image and ranks classes 1 > 2 > 0 > the rest:
    # top-1 = the 4 of 7 images of class 1, top-5 = all 7.
    state = torch.load(
        trained['checkpoint'], map_location='cpu', weights_only=False)
    state['state_dict']['head.fc.weight'].zero_()
    bias = torch.full((1000, ), -1.)
    bias[:3] = torch.tensor([1., 3., 2.])
    state['state_dict']['head.fc.bias'] = bias
    checkpoint = tmp_path / 'class1.pth'
    torch.save(state, checkpoint)
    out = tmp_path / 'metrics.json'
    returned = test_tool.main([
        CONFIG,
        str(checkpoint), '--work-dir',
        str(tmp_path / 'work'), '--out-metrics',
        str(out), '--cfg-options',
        *eval_options(trained['data_root'], 'test_tool_class1')
    ])
    metrics = json.loads(out.read_text())
    assert metrics == pytest.approx({
        'accuracy/top1': 100 * 4 / 7,
        'accuracy/top5': 100.
    })
    assert metrics == pytest.approx(returned)


@pytest.mark.parametrize('which', ['backbone', 'checkpoint'])
def test_a_checkpoint_of_another_model_is_refused(which, trained, tmp_path):
    # The extracted backbone and the pre-training checkpoint share no key
    # with the classifier (or only the backbone's): loading them non-strictly
    # would evaluate a random classifier.
    wrong = trained['backbone'][which]
    out = tmp_path / 'metrics.json'
    with pytest.raises(
            RuntimeError,
            match=re.escape(f'checkpoint {wrong} does not fit the model of')
            + r'.*: it lacks \d+ of them .*; \d+ of its keys are not the '
            "model's ") as error:
        test_tool.main([
            CONFIG, wrong, '--work-dir',
            str(tmp_path / 'work'), '--out-metrics',
            str(out), '--cfg-options',
            *eval_options(trained['data_root'], f'test_tool_{which}')
        ])
    if which == 'checkpoint':  # only the head is missing
        assert 'it lacks 2 of them (e.g. head.fc.weight, head.fc.bias)' in str(
            error.value)
    assert not out.exists()
