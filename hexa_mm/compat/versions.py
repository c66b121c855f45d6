"""Which versions of the stack hexa_mm works with, and the check of them."""
from importlib import metadata
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

#: distribution name -> (specifier, why that range). ``required`` entries must be
#: installed; ``optional`` ones (downstream evaluation) are checked when present.
REQUIRED: Dict[str, Tuple[str, str]] = {
    'torch': ('>=2.0', 'MMEngine 0.11 and torch.compile-era APIs'),
    'mmengine': ('>=0.11.0rc3',
                 '0.10.x calls torch.load without weights_only, so resume and '
                 'load_from fail with torch >= 2.6'),
    'mmcv': ('>=2.0.0,<2.1.0',
             'mmselfsup 1.0.0 asserts mmcv < 2.1.0 (and mmdet 3.3 < 2.2.0)'),
    'mmcls': ('>=1.0.0rc6,<1.1.0', 'mmselfsup 1.0.0 imports mmcls, not mmpretrain'),
    'mmselfsup': ('>=1.0.0,<1.1.0', 'hexa_mm subclasses its MoCo and registries'),
    'mmpretrain': ('>=1.2.0,<1.3.0',
                   'hexa_mm uses its CutMix box; downstream evaluation'),
    'numpy': ('<2',
              'with numpy 2, mmcv 2.0.1 adjust_hue (ColorJitter) raises '
              'OverflowError on uint8'),
}
OPTIONAL: Dict[str, Tuple[str, str]] = {
    'mmdet': ('>=3.3.0,<3.4.0', 'detection transfer'),
}


class IncompatibleStackError(ImportError):
    """The installed OpenMMLab stack is not one hexa_mm works with."""


#: Distributions that install the same module under another name: mmcv-lite
#: is mmcv without the compiled ops (enough for pre-training).
ALIASES = {'mmcv': ('mmcv', 'mmcv-lite')}


def _installed_version(dist: str) -> Optional[str]:
    for name in ALIASES.get(dist, (dist, )):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def find_version_problems(
    installed: Callable[[str], Optional[str]] = _installed_version,
    required: Mapping[str, Tuple[str, str]] = REQUIRED,
    optional: Mapping[str, Tuple[str, str]] = OPTIONAL,
) -> List[str]:
    """Return one line per package whose installed version is out of range.

    Args:
        installed: Maps a distribution name to its installed version, or None
            when it is not installed.
        required: Packages that must be installed, with their ranges.
        optional: Packages checked only when installed.

    Returns:
        list[str]: Human-readable problems; empty when the stack is fine.
    """
    problems = []
    for table, must_exist in ((required, True), (optional, False)):
        for dist, (spec, why) in table.items():
            found = installed(dist)
            if found is None:
                if must_exist:
                    problems.append(f'{dist}: not installed, need {spec} ({why})')
                continue
            try:
                # Local build tags (torch 2.14.1+cu130) do not matter here.
                ok = Version(found.split('+')[0]) in SpecifierSet(
                    spec, prereleases=True)
            except InvalidVersion:
                ok = False
            if not ok:
                problems.append(f'{dist}: found {found}, need {spec} ({why})')
    return problems


def check_versions(installed: Callable[[str], Optional[str]] = (
        _installed_version)) -> None:
    """Raise one :class:`IncompatibleStackError` listing every mismatch."""
    problems = find_version_problems(installed)
    if problems:
        raise IncompatibleStackError(
            'hexa_mm cannot run on the installed OpenMMLab stack:\n  - ' +
            '\n  - '.join(problems) +
            '\nRun `make env` (tools/install_env.sh) to install the tested '
            'versions pinned in requirements/.')
