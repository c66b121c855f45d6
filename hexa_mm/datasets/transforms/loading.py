from typing import Optional

from mmcv.transforms import LoadImageFromFile
from mmengine.logging import print_log

from mmselfsup.registry import TRANSFORMS
from ...utils.errors import UserError


class BadImageError(UserError, OSError):
    """An image file that cannot be read or decoded."""


@TRANSFORMS.register_module()
class CheckedLoadImageFromFile(LoadImageFromFile):
    """MMCV's ``LoadImageFromFile`` that names the file and sample it fails on.

    MMCV raises a bare decoding error (or, for a corrupt file, hands ``None`` on
    to the next transform, which fails with no file name), and with
    ``ignore_empty=True`` MMEngine silently draws another sample. Here:

    * ``on_error='raise'`` (default): :class:`BadImageError` naming the file and
      the sample index;
    * ``on_error='skip'``: the sample is skipped (MMEngine's dataset draws
      another one) and a warning with the file name and the running count of
      skipped files of this process goes to the log.

    Args:
        on_error (str): ``'raise'`` or ``'skip'``.
        **kwargs: ``LoadImageFromFile``'s arguments.
    """

    def __init__(self, on_error: str = 'raise', **kwargs) -> None:
        if on_error not in ('raise', 'skip'):
            raise ValueError(f"CheckedLoadImageFromFile: on_error={on_error!r}, "
                             "allowed: 'raise', 'skip'")
        if kwargs.get('ignore_empty'):
            raise ValueError('CheckedLoadImageFromFile: use on_error=\'skip\' '
                             'instead of ignore_empty')
        super().__init__(**kwargs)
        self.on_error = on_error
        self.skipped = 0

    def transform(self, results: dict) -> Optional[dict]:
        path = results.get('img_path')
        try:
            out = super().transform(results)
            if out is None or out.get('img') is None:
                raise ValueError('decoded to nothing')
            return out
        except Exception as error:  # noqa: BLE001  decoding raises many kinds
            where = f'{path} (sample {results.get("sample_idx", "?")})'
            if self.on_error == 'raise':
                raise BadImageError(
                    f'cannot read image {where}: {error}') from error
            self.skipped += 1
            print_log(
                f'skipped unreadable image {where}: {error} '
                f'({self.skipped} skipped by this process so far)',
                logger='current', level=30)
            return None
