"""Protocol files for the quality benchmark's tests, written into a folder
of the test's own (config paths absolute, so that any folder works)."""
import os.path as osp
import textwrap

from tool_runs import CONFIGS


def write_protocol(folder, name='report', kind='report', seeds=(0, 1),
                   datasets=('digits', ), methods=None, extra=''):
    """``<folder>/<name>.py``: MoCo-v2 and HEXA-MoCo (or ``methods``, a
    Python literal) on ``datasets``; returns its path."""
    methods = methods or textwrap.dedent(f'''\
        dict(
            mocov2=dict(config='{CONFIGS}/mocov2_r18_{{dataset}}.py'),
            hexa_moco=dict(config='{CONFIGS}/hexa_moco_r18_{{dataset}}.py',
                           baseline='mocov2'))''')
    path = osp.join(str(folder), f'{name}.py')
    with open(path, 'w') as f:
        f.write(f"kind = {kind!r}\ndatasets = {list(datasets)!r}\n"
                f"seeds = {list(seeds)!r}\n"
                f"random_backbone = '{CONFIGS}/mocov2_r18_{{dataset}}.py'\n"
                f'methods = {methods}\n{extra}')
    return path
