import os
import os.path as osp

import pytest
from mmengine.config import Config

from config_runs import shipped_configs
from conftest import ROOT
from hexa_mm.utils import ConfigError, validate_config
from tool_runs import train_tool


def cfg(name='hexa_moco_r18_digits.py'):
    return Config.fromfile(osp.join(ROOT, 'configs', name))


#: Every pre-training config of configs/ (the downstream ones under
#: benchmarks/ are MMPretrain's and MMDetection's, not validated here).
PRETRAIN_CONFIGS = [
    name for name in shipped_configs()
    if not name.startswith('benchmarks' + osp.sep)
]


def test_the_pretrain_configs_include_every_top_level_config():
    top = [name for name in os.listdir(osp.join(ROOT, 'configs'))
           if name.endswith('.py')]
    assert top and set(top) <= set(PRETRAIN_CONFIGS)


@pytest.mark.parametrize('name', PRETRAIN_CONFIGS)
def test_every_shipped_config_passes(name):
    validate_config(cfg(name), world_size=1)


def test_misspelled_field_is_named_with_a_suggestion():
    c = cfg()
    c.model.w_advv = 0.5
    with pytest.raises(ConfigError,
                       match=r'model.w_advv is not a field of HEXAMoCo '
                       r'\(did you mean model.w_adv\?\); allowed: \['):
        validate_config(c, 1)


def test_misspelled_generator_field_is_named():
    c = cfg()
    c.model.adversarial.epsilon = 0.1
    with pytest.raises(ConfigError, match='model.adversarial.epsilon .*'
                       'AdversarialGenerator .*did you mean'):
        validate_config(c, 1)


@pytest.mark.parametrize('name', ['hexa_moco_r18_digits.py',
                                  'hexa_dcluster_r50_200e.py'])
@pytest.mark.parametrize('path, field, near', [
    ('model.backbone', 'depht', 'depth'),
    ('model.neck', 'hid_chanels', 'hid_channels'),
    ('model.head', 'temprature', 'temperature'),
    ('model.data_preprocessor', 'meen', 'mean'),
    ('default_hooks.logger', 'intervall', 'interval'),
])
def test_an_upstream_modules_misspelled_field_is_named(name, path, field,
                                                       near):
    """MMSelfSup's and MMEngine's classes in the model and the hooks, whose
    own TypeError would not say where in the config the field is."""
    c = cfg(name)
    c.merge_from_dict({f'{path}.{field}': 1})
    with pytest.raises(ConfigError, match=rf'{path}.{field} is not a field '
                       rf'of \w+ \(did you mean {path}.{near}\?\)'):
        validate_config(c, 1)


def test_a_field_that_open_kwargs_take_is_let_through():
    """MMEngine's CheckpointHook hands its **kwargs to the checkpoint's
    saving: any field may be meant for it, and none is refused."""
    c = cfg()
    c.default_hooks.checkpoint.intervall = 1
    validate_config(c, 1)


def test_a_custom_hooks_misspelled_field_is_named():
    c = cfg('deepclusterv2_r18_digits.py')
    c.custom_hooks[0].fill_batchsize = 64
    with pytest.raises(ConfigError, match=r'custom_hooks\[0\].fill_batchsize'
                       r' is not a field of DeepClusterV2Hook \(did you mean '
                       r'custom_hooks\[0\].fill_batch_size\?\)'):
        validate_config(c, 1)


def test_queue_must_divide_by_the_global_batch():
    c = cfg()
    validate_config(c, world_size=8)  # 512 % (8 x 64) == 0
    with pytest.raises(ConfigError,
                       match=r'model.queue_len=512 must be a multiple of the '
                       r'global batch 192 \(train_dataloader.batch_size=64 x 3'):
        validate_config(c, world_size=3)


@pytest.mark.parametrize('name', ['hexa_moco_r18_digits.py',
                                  'hexa_dcluster_r18_digits.py'])
def test_two_backward_passes_need_their_ddp_wrapper(name):
    c = cfg(name)
    validate_config(c, world_size=2)  # the configs bring the wrapper
    c.model_wrapper_cfg = dict(type='MMDistributedDataParallel')
    with pytest.raises(ConfigError, match="model.adversarial: .*two "
                       "backward passes.*'MMDistributedDataParallel'.*"
                       "TwoPassDistributedDataParallel"):
        validate_config(c, world_size=2)
    validate_config(c, world_size=1)  # one process needs no wrapper


def test_more_clusters_than_samples_is_refused():
    c = cfg('deepclusterv2_r18_digits.py')
    c.model.head.num_prototypes = 5000
    with pytest.raises(ConfigError,
                       match='model.head.num_prototypes=5000 exceeds '
                       'model.num_samples=1297'):
        validate_config(c, 1)


def test_missing_custom_imports_is_named():
    c = cfg()
    c.custom_imports = dict(imports=[], allow_failed_imports=False)
    with pytest.raises(ConfigError, match=r"custom_imports must load hexa_mm: "
                       r"the config uses \[.*'HEXAMoCo'"):
        validate_config(c, 1)


def test_train_tool_fails_before_the_runner(tmp_path):
    args = train_tool.parse_args([
        osp.join(ROOT, 'configs', 'hexa_moco_r18_digits.py'), '--work-dir',
        str(tmp_path), '--cfg-options', 'model.mix_mdoe=replace'
    ])
    # A hard-example setting, which reaches the model through **kwargs.
    with pytest.raises(ConfigError, match='did you mean model.mix_mode'):
        train_tool.build_cfg(args)
    assert not list(tmp_path.iterdir())  # nothing written


def test_eps_out_of_range_fails_when_the_model_is_built():
    from mmselfsup.registry import MODELS
    c = cfg()
    c.model.adversarial.eps = 8.0  # meant 8/255
    validate_config(c, 1)
    with pytest.raises(ValueError, match=r'eps=8.0 must lie in \(0, 1\]'):
        MODELS.build(c.model)
