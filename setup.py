"""hexa_mm: HEXA self-supervised pre-training with hard examples, on OpenMMLab.

``install_requires`` states the ranges that hexa_mm works with
(``hexa_mm/compat/versions.py`` checks the same at import), so that it installs
into an existing OpenMMLab environment without moving it. mmcv must have its
compiled ops for detection, which no wheel on the package index has for torch
2.x: ``make env`` (tools/install_env.sh) builds it and installs the tested set
of ``requirements/constraints.txt``, then ``pip install -e . --no-deps``.
"""
import re

from setuptools import find_packages, setup


def read_version():
    scope = {}
    with open('hexa_mm/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


def parse_requirements(path):
    """Requirement lines of a requirements/*.txt file, comments dropped."""
    with open(path) as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


def requirement_named(name, requirements):
    """The one line of ``requirements`` that names the distribution ``name``."""
    found = [r for r in requirements
             if re.split(r'[\s<>=!~;\[]', r, maxsplit=1)[0] == name]
    if len(found) != 1:
        raise ValueError(f'requirements/optional.txt: expected one line for '
                         f'{name!r}, found {found}')
    return found[0]


optional = parse_requirements('requirements/optional.txt')
extras = {
    'det': [requirement_named('mmdet', optional)],
    'tensorboard': [requirement_named('tensorboard', optional)],
}
# The test suite runs every optional feature above.
extras['tests'] = (parse_requirements('requirements/tests.txt') +
                   [r for reqs in extras.values() for r in reqs])
# UMAP maps (tools/visualize_features.py --method umap). Not installed by
# `make env`: umap-learn brings numba and llvmlite, and its tests skip
# without it.
extras['umap'] = ['umap-learn']
setup(
    name='hexa_mm',
    version=read_version(),
    description='HEXA: self-supervised pre-training with hard examples, '
    'on MMSelfSup / MMPretrain / MMDetection',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    python_requires='>=3.8',
    install_requires=(parse_requirements('requirements/torch.txt') +
                      parse_requirements('requirements/mmcv.txt') +
                      parse_requirements('requirements/runtime.txt')),
    extras_require=extras,
    license='Apache License 2.0',
    zip_safe=False)
