"""The configs' defaults follow the committed three-set report: per family,
the setting it recommends, or the paper's design with its base config saying
why (the report has not run to the end, or recommends no setting). README's
usage pre-trains the MoCo family's default, and an ImageNet config ships for
every setting the report may recommend."""
import functools
import os.path as osp
import re

import pytest

from hexa_mm.benchmarks.quality.recommendation import report_outcome
from tool_runs import CONFIGS, ROOT

REPORT = osp.join(ROOT, 'results', 'report_three_sets.json')
#: Per family (the report's name of its baseline): the paper's design and
#: the base config whose header says what the family's configs follow.
FAMILIES = {
    'mocov2': ('hexa_moco', '_base_/models/hexa_moco.py'),
    'deepclusterv2': ('hexa_dcluster', '_base_/models/hexa_dcluster.py'),
}
NOT_RUN = 'has not run to the end'
NO_SETTING = 'recommends no setting'


@functools.lru_cache(maxsize=None)
def committed_recommendation():
    """The report's protocol, and per family the recommended setting (None
    if it recommends none), or None for the whole while runs are missing."""
    protocol, _, _, families = report_outcome(REPORT)
    if families is None:
        return protocol, None
    return protocol, {baseline: family['recommended']
                      for baseline, family in families.items()}


def imagenet_configs(protocol, name):
    """The ImageNet configs of a report method that runs
    ``configs/<stem>_r18_{dataset}.py``: 8 GPUs and one GPU."""
    template = osp.basename(protocol.methods[name].config)
    assert template.endswith('_r18_{dataset}.py'), template
    stem = template[:-len('_r18_{dataset}.py')]
    return [f'{stem}_r50_200e.py', f'{stem}_r50_1xb256_200e.py']


def default_of(baseline, recommendation):
    paper, _ = FAMILIES[baseline]
    return (recommendation or {}).get(baseline) or paper


def header(base):
    with open(osp.join(CONFIGS, base)) as f:
        return ' '.join(line.lstrip('# ').rstrip() for line in f
                        if line.startswith('#'))


def header_problems(protocol, recommendation):
    """What each family's base config header fails to say about
    ``recommendation`` (the value of :func:`committed_recommendation`)."""
    problems = []
    for baseline, (_, base) in FAMILIES.items():
        text = header(base)
        if recommendation is None:
            wanted = [NOT_RUN]
        elif recommendation[baseline] is None:
            wanted = [NO_SETTING]
        else:
            wanted = ['configs/' + config for config in imagenet_configs(
                protocol, recommendation[baseline])]
        unwanted = [] if recommendation is None else [NOT_RUN]
        problems += [f'{base} does not say "{w}"' for w in wanted
                     if w not in text]
        problems += [f'{base} still says "{u}"' for u in unwanted
                     if u in text]
    return problems


def usage_problems(protocol, recommendation):
    """README's usage configs of the MoCo family that are not its default."""
    with open(osp.join(ROOT, 'README.md')) as f:
        readme = f.read()
    usage = readme.split('\n## Usage\n', 1)[1].split('\n## ', 1)[0]
    named = set(re.findall(r'configs/(hexa_moco\w*_r50_\w+\.py)', usage))
    expected = set(imagenet_configs(
        protocol, default_of('mocov2', recommendation)))
    return ([f'README usage names {c}' for c in sorted(named - expected)] +
            [f'README usage lacks {c}' for c in sorted(expected - named)])


def test_every_setting_the_report_may_recommend_has_imagenet_configs():
    protocol, _ = committed_recommendation()
    candidates = [name for name, method in protocol.methods.items()
                  if method.baseline is not None]
    assert {protocol.methods[n].baseline for n in candidates} == set(FAMILIES)
    assert {paper for paper, _ in FAMILIES.values()} <= set(candidates)
    for name in candidates:
        for config in imagenet_configs(protocol, name):
            assert osp.exists(osp.join(CONFIGS, config)), (name, config)


def test_the_base_configs_say_what_their_family_follows():
    protocol, recommendation = committed_recommendation()
    assert header_problems(protocol, recommendation) == []


def test_readme_usage_pretrains_the_default_of_the_report():
    protocol, recommendation = committed_recommendation()
    assert usage_problems(protocol, recommendation) == []


@pytest.mark.parametrize('moco, dcluster', [
    ('hexa_moco_cutmix', None), (None, 'hexa_dcluster_cutmix'),
    ('hexa_moco', 'hexa_dcluster')])
def test_a_complete_report_is_not_followed_until_the_configs_change(
        moco, dcluster):
    """Once the report is complete, the headers that still say it has not
    run to the end fail, whatever it recommends; a recommended cut-mix
    setting fails README's usage too until it names that setting's
    configs."""
    protocol, recommendation = committed_recommendation()
    if recommendation is not None:
        pytest.skip('the report is complete: the tests above check it')
    complete = dict(mocov2=moco, deepclusterv2=dcluster)
    problems = header_problems(protocol, complete)
    for baseline, (_, base) in FAMILIES.items():
        assert f'{base} still says "{NOT_RUN}"' in problems
        if complete[baseline] is None:
            assert f'{base} does not say "{NO_SETTING}"' in problems
    assert usage_problems(protocol, complete) == (
        ['README usage names hexa_moco_r50_1xb256_200e.py',
         'README usage names hexa_moco_r50_200e.py',
         'README usage lacks hexa_moco_cutmix_r50_1xb256_200e.py',
         'README usage lacks hexa_moco_cutmix_r50_200e.py']
        if moco == 'hexa_moco_cutmix' else [])
