"""tools/train.py --amp: the config's optimizer wrapper becomes MMEngine's
AmpOptimWrapper (dynamic loss scale unless the config sets one), everything
else of the config unchanged; another wrapper type is refused, by name."""
import os.path as osp

import pytest

from tool_runs import CONFIGS, train_tool


def built_cfg(config, tmp_path, *extra):
    return train_tool.build_cfg(train_tool.parse_args(
        [osp.join(CONFIGS, config), '--work-dir', str(tmp_path), *extra]))


@pytest.mark.parametrize('config', ['hexa_moco_r18_digits.py',
                                    'hexa_dcluster_r50_800e.py'])
def test_amp_rewrites_only_the_optimizer_wrapper(config, tmp_path):
    plain = built_cfg(config, tmp_path)
    amp = built_cfg(config, tmp_path, '--amp')
    assert plain.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'
    assert 'loss_scale' not in plain.optim_wrapper
    assert amp.optim_wrapper.to_dict() == dict(
        plain.optim_wrapper.to_dict(), type='AmpOptimWrapper',
        loss_scale='dynamic')
    rest = {k: v for k, v in amp.to_dict().items() if k != 'optim_wrapper'}
    assert rest == {k: v for k, v in plain.to_dict().items()
                    if k != 'optim_wrapper'}


def test_amp_keeps_a_loss_scale_that_the_config_sets(tmp_path):
    amp = built_cfg('hexa_moco_r18_digits.py', tmp_path, '--amp',
                    '--cfg-options', 'optim_wrapper.loss_scale=512.0')
    assert amp.optim_wrapper.type == 'AmpOptimWrapper'
    assert amp.optim_wrapper.loss_scale == 512.0


def test_amp_refuses_another_wrapper_type_by_name(tmp_path):
    with pytest.raises(ValueError,
                       match="--amp needs optim_wrapper.type OptimWrapper or "
                       "AmpOptimWrapper, the config has 'ApexOptimWrapper'"):
        built_cfg('hexa_moco_r18_digits.py', tmp_path, '--amp',
                  '--cfg-options', 'optim_wrapper.type=ApexOptimWrapper')
