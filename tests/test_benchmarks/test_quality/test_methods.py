"""The quality benchmark's methods: every named variant builds the model its
overrides describe, on both embedded sets, and is compared with a method
that exists."""
import pytest
from mmengine.registry import init_default_scope

from hexa_mm.benchmarks.quality import parse_args
from hexa_mm.benchmarks.quality.methods import (BASELINES, DATASETS,
                                                DCLUSTER_NUM_VIEWS, METHODS,
                                                method_cfg)
from mmselfsup.registry import MODELS, TRANSFORMS


def _attribute(model, dotted):
    """``model.<a>.<b>`` for an override key ``model.a.b``: a built
    generator keeps its fields as attributes, eps as given."""
    value = model
    for part in dotted.split('.')[1:]:
        value = getattr(value, part)
    return value


@pytest.mark.parametrize('dataset', DATASETS)
@pytest.mark.parametrize('method', sorted(METHODS))
def test_every_method_builds_with_its_overrides(method, dataset, tmp_path):
    init_default_scope('mmselfsup')
    args = parse_args(['--dataset', dataset, '--data-root',
                       str(tmp_path / dataset)])
    cfg = method_cfg(method, 0, args)
    model = MODELS.build(cfg.model)
    for key, value in METHODS[method][1].items():
        if key == DCLUSTER_NUM_VIEWS:
            views = TRANSFORMS.build(cfg.train_dataloader.dataset.pipeline[1])
            assert views.num_views == value
            assert len(views.transforms) == sum(value)
        elif key in ('model.w_adv', 'model.w_mix') and value == 0:
            # A weight of 0 switches its term off: no generator is built.
            kind = 'adversarial' if key == 'model.w_adv' else 'cutmix'
            assert getattr(model, kind) is None, key
        elif key == 'model.reuse_clean_grad':
            assert model.reuse_clean_grad == (
                value and model.adversarial is not None)
        else:
            assert _attribute(model, key) == value, key


def test_every_comparison_is_with_a_method():
    for method, baseline in BASELINES.items():
        assert method in METHODS and baseline in METHODS, method
