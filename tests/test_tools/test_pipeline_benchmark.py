"""tools/benchmarks/pipeline.py: per-core images/s of a config's pipeline with
the CPU fallback and with device augmentations, per transform, in one run."""
import json
import math
import os.path as osp

from tool_runs import CONFIGS, load_tool

from hexa_mm.benchmarks.pipeline import write_natural_jpegs


def _is_rate(value):
    return isinstance(value, float) and math.isfinite(value) and value > 0


def test_measures_both_pipelines_each_transform_and_the_device_part(
        tmp_path, capsys):
    """The figures are printed for a reader; which one is faster is not
    asserted (3 images, one round: a timing, not a property of the code).
    What is asserted is what was measured, and the report's shape."""
    images = tmp_path / 'images'
    write_natural_jpegs(str(images), count=3)
    tool = load_tool('benchmarks/pipeline')
    tool.main([
        osp.join(CONFIGS, 'deepclusterv2_r50_800e.py'), '--images',
        str(images), '--rounds', '2', '--device-iters', '1',
        '--device-batch', '2', '--decoders', 'cv2', 'no-such-decoder',
        '--out', str(tmp_path / 'out')
    ])
    printed = capsys.readouterr().out
    result = json.loads((tmp_path / 'out' / 'pipeline.json').read_text())
    assert set(result) == {'decoders', 'configs'}
    (config, ) = result['configs']
    assert config['config'].endswith('deepclusterv2_r50_800e.py')
    assert list(config['pipelines']) == ['cpu-augment', 'device-augment']
    cpu, device = (config['pipelines'][name]
                   for name in ('cpu-augment', 'device-augment'))
    for pipeline in (cpu, device):
        assert pipeline['images'] == 3 * 2  # every image, every round
        assert all(_is_rate(pipeline[key])
                   for key in ('cpu_s', 'wall_s', 'images_per_s'))
        for t in pipeline['transforms'].values():
            assert set(t) == {'ms_per_image', 'share'}
            assert t['ms_per_image'] >= 0 and 0 <= t['share'] <= 1 + 1e-6
        # The outer transforms' CPU times are parts of the whole run's.
        shares = [t['share'] for k, t in pipeline['transforms'].items()
                  if not k.startswith('  ')]
        assert 0 < sum(shares) <= 1 + 1e-6
    # The CPU fallback augments views in 2 groups (2 x 224, 6 x 96) ...
    labels = list(cpu['transforms'])
    for group in (1, 2):
        assert f'  RandomApply(ColorJitter) [view group {group}]' in labels
        assert f'  RandomGaussianBlur [view group {group}]' in labels
    # ... the device pipeline only decodes and crops on the CPU.
    assert not any('Jitter' in k or 'Blur' in k or 'Grayscale' in k
                   for k in device['transforms'])
    assert any('RandomResizedCrop' in k for k in device['transforms'])
    d = config['device']
    assert (d['device'], d['batch_size']) == ('cpu', 2)
    assert d['views'] == [[224, 224]] * 2 + [[96, 96]] * 6
    assert all(_is_rate(d[key]) for key in ('ms_per_batch', 'images_per_s'))
    assert _is_rate(result['decoders']['cv2']['images_per_s'])
    assert result['decoders']['cv2']['images'] == 3 * 2
    assert 'error' in result['decoders']['no-such-decoder']
    # The printed table is the written one, with each pipeline's figure.
    table = (tmp_path / 'out' / 'pipeline.md').read_text()
    assert table in printed
    assert (f"| **images/s per core** | **{cpu['images_per_s']:.0f}** | "
            f"**{device['images_per_s']:.0f}** |") in table
    assert 'no-such-decoder | cannot run' in table


def test_default_configs_are_those_of_the_tools_checkout(tmp_path,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)  # not where the configs are
    configs = load_tool('benchmarks/pipeline').parse_args([]).configs
    assert configs == [osp.join(CONFIGS, 'mocov2_r50_200e.py'),
                       osp.join(CONFIGS, 'deepclusterv2_r50_800e.py')]
    assert all(osp.isfile(c) for c in configs)
