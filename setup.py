"""hexa_mm: HEXA self-supervised pre-training with hard examples, on OpenMMLab.

The OpenMMLab stack needs a specific install order (mmcv is built with its ops
against the installed torch): use ``make env`` (tools/install_env.sh), which ends
with ``pip install -e . --no-deps``.
"""
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


runtime = parse_requirements('requirements/runtime.txt')
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
                      [r for r in runtime if not r.startswith('mmdet')]),
    extras_require={
        'det': [r for r in runtime if r.startswith('mmdet')],
        'tests': parse_requirements('requirements/tests.txt'),
    },
    license='Apache License 2.0',
    zip_safe=False)
