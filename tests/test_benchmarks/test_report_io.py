"""hexa_mm.benchmarks.report_io: every benchmark report is written whole or
not at all."""
import json

import pytest
from matplotlib.figure import Figure
from PIL import Image

from hexa_mm.benchmarks.report_io import write_figure, write_json, write_text


def test_reports_are_written_whole_in_a_new_folder(tmp_path):
    write_json(str(tmp_path / 'a' / 'r.json'), dict(x=[1, 2]))
    assert (tmp_path / 'a' / 'r.json').read_text() == json.dumps(
        dict(x=[1, 2]), indent=2)
    write_json(str(tmp_path / 'r1.json'), [1], indent=1, newline=True)
    assert (tmp_path / 'r1.json').read_text() == '[\n 1\n]\n'
    write_text(str(tmp_path / 'r.md'), '| a |\n')
    assert (tmp_path / 'r.md').read_text() == '| a |\n'
    fig = Figure(figsize=(2, 1))
    fig.subplots().plot([0, 1], [0, 1])
    write_figure(str(tmp_path / 'r.png'), fig, dpi=50)
    assert Image.open(tmp_path / 'r.png').size == (100, 50)
    assert not list(tmp_path.rglob('*.tmp'))


def test_a_failed_write_keeps_the_previous_report(tmp_path):
    # A format Matplotlib cannot render: the error comes before any write.
    path = str(tmp_path / 'r.nosuchformat')
    write_text(path, 'old')
    with pytest.raises(ValueError, match='nosuchformat'):
        write_figure(path, Figure())
    assert (tmp_path / 'r.nosuchformat').read_text() == 'old'
    assert not list(tmp_path.glob('*.tmp'))
