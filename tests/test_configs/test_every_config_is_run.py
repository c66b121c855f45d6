"""No shipped config without a test that runs it as users do: through
``tools/train.py`` (and ``tools/test.py``). A config added to ``configs/``
without one fails here; add it to the list of the test that runs it."""
import ast
import os.path as osp

from config_runs import shipped_configs
from test_downstream_configs import DOWNSTREAM_CONFIGS
from test_pretrain_configs import PRETRAIN_CONFIGS
from test_standard_benchmarks import STANDARD_BENCHMARK_CONFIGS
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
    listed = (PRETRAIN_CONFIGS + DOWNSTREAM_CONFIGS +
              STANDARD_BENCHMARK_CONFIGS + list(RUN_ELSEWHERE))
    assert len(listed) == len(set(listed)), 'a config is listed twice'
    missing = sorted(set(shipped_configs()) - set(listed))
    assert not missing, (
        f'configs without an end-to-end test through tools/train.py: '
        f'{missing}')
    gone = sorted(set(listed) - set(shipped_configs()))
    assert not gone, f'listed configs that do not exist: {gone}'


def find_test(path, name):
    """The module source and the function node of ``path::name``."""
    with open(osp.join(ROOT, path)) as f:
        source = f.read()
    module = ast.parse(source)
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return source, module, node
    raise AssertionError(f'{path} has no test {name}')


def string_constants(node):
    return {n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def strings_seen_by(module, function):
    """The string constants of ``function`` and of the module-level
    assignments whose names it reads."""
    used = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    seen = string_constants(function)
    for node in module.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id in used
                for t in node.targets):
            seen |= string_constants(node.value)
    return seen


def chain_steps_of(config):
    """The digits chain's steps that train ``config``."""
    from hexa_mm.benchmarks.chain.catalogue import suite_steps
    return [step.name for step in suite_steps('digits', 'MoCo').values()
            if step.config == f'configs/{config}']


def test_tests_named_for_other_configs_run_them():
    """Each test named in RUN_ELSEWHERE runs its config: it names the
    config's file, or it runs the chain tool and names a step that trains
    the config (in its body, or in a module constant that it reads)."""
    for config, test in RUN_ELSEWHERE.items():
        path, name = test.split('::')
        source, module, function = find_test(path, name)
        seen = strings_seen_by(module, function)
        if osp.basename(config) in seen:
            continue
        steps = chain_steps_of(config)
        assert steps, f'{test} does not name {config}, nor is it a chain step'
        assert "load_tool('benchmarks/chain')" in source, test
        assert 'chain.main(' in ast.get_source_segment(source, function), test
        assert set(steps) & seen, f'{test} names none of the steps {steps}'
