"""No shipped config without a test that runs it as users do: through
``tools/train.py`` (and ``tools/test.py``). A config added to ``configs/``
without one fails here; add it to the list of the test that runs it."""
import os.path as osp
import re

from config_runs import shipped_configs
from test_downstream_configs import DOWNSTREAM_CONFIGS
from test_pretrain_configs import PRETRAIN_CONFIGS
from tool_runs import ROOT

#: Configs run through the tools by other tests: config -> test (file::name).
RUN_ELSEWHERE = {
    'benchmarks/classification/digits/'
    'resnet18_linear-1xb64-steplr-200i_digits.py':
    'tests/test_tools/test_chain.py::test_digits_chain_quick',
    'benchmarks/classification/digits/'
    'resnet18_semi-10pct-1xb32-steplr-200i_digits.py':
    'tests/test_tools/test_chain.py::test_digits_chain_quick',
    'benchmarks/classification/digits/'
    'resnet18_semi-1pct-1xb32-steplr-100i_digits.py':
    'tests/test_tools/test_chain.py::test_digits_chain_quick',
    'benchmarks/mmdetection/digits/faster-rcnn_r18_digits-canvas.py':
    'tests/test_configs/test_digits_detection.py::'
    'test_train_then_test_through_the_tools',
}


def test_every_shipped_config_has_an_end_to_end_test():
    listed = PRETRAIN_CONFIGS + DOWNSTREAM_CONFIGS + list(RUN_ELSEWHERE)
    assert len(listed) == len(set(listed)), 'a config is listed twice'
    missing = sorted(set(shipped_configs()) - set(listed))
    assert not missing, (
        f'configs without an end-to-end test through tools/train.py: '
        f'{missing}')
    gone = sorted(set(listed) - set(shipped_configs()))
    assert not gone, f'listed configs that do not exist: {gone}'


def test_tests_named_for_other_configs_exist():
    for config, test in RUN_ELSEWHERE.items():
        path, name = test.split('::')
        with open(osp.join(ROOT, path)) as f:
            source = f.read()
        assert re.search(rf'^def {name}\(', source, re.M), test
        # ... and that test runs the config's family through the tools.
        family = osp.basename(osp.dirname(config))
        assert family in source or 'digits' in source, test
