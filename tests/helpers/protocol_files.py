"""Protocol files for the quality benchmark's tests, written into a folder
of the test's own (config paths absolute, so that any folder works)."""
import os.path as osp
import textwrap

from tool_runs import CONFIGS


def moco_methods(cutmix=False, in_place=None):
    """The ``methods`` literal of MoCo-v2 and HEXA-MoCo, with HEXA-MoCo with
    cut-mixed queries only if ``cutmix``, and with the ``cfg_options``
    literal ``in_place`` as ``hexa_moco_in_place`` if given."""
    methods = textwrap.dedent(f'''\
        dict(
            mocov2=dict(config='{CONFIGS}/mocov2_r18_{{dataset}}.py'),
            hexa_moco=dict(config='{CONFIGS}/hexa_moco_r18_{{dataset}}.py',
                           baseline='mocov2')''')
    if cutmix:
        methods += (f",\n    hexa_moco_cutmix=dict(config='{CONFIGS}/"
                    "hexa_moco_cutmix_r18_{dataset}.py', baseline='mocov2')")
    if in_place is not None:
        methods += (f",\n    hexa_moco_in_place=dict(config='{CONFIGS}/"
                    "hexa_moco_r18_{dataset}.py',\n"
                    f"        cfg_options={in_place}, baseline='mocov2')")
    return methods + ')'


def write_protocol(folder, name='report', kind='report', seeds=(0, 1),
                   datasets=('digits', ), methods=None, extra=''):
    """``<folder>/<name>.py``: MoCo-v2 and HEXA-MoCo (or ``methods``, a
    Python literal) on ``datasets``; returns its path."""
    methods = methods or moco_methods()
    path = osp.join(str(folder), f'{name}.py')
    with open(path, 'w') as f:
        f.write(f"kind = {kind!r}\ndatasets = {list(datasets)!r}\n"
                f"seeds = {list(seeds)!r}\n"
                f"random_backbone = '{CONFIGS}/mocov2_r18_{{dataset}}.py'\n"
                f'methods = {methods}\n{extra}')
    return path
