"""tools/benchmarks/pipeline.py: per-core images/s of a config's pipeline with
the CPU fallback and with device augmentations, per transform, in one run."""
import json
import os.path as osp

from tool_runs import CONFIGS, load_tool

from hexa_mm.benchmarks.pipeline import write_natural_jpegs


def test_measures_both_pipelines_each_transform_and_the_device_part(
        tmp_path, capsys):
    images = tmp_path / 'images'
    write_natural_jpegs(str(images), count=3)
    tool = load_tool('benchmarks/pipeline')
    tool.main([
        osp.join(CONFIGS, 'deepclusterv2_r50_800e.py'), '--images',
        str(images), '--rounds', '1', '--device-iters', '1',
        '--device-batch', '2', '--decoders', 'cv2', 'no-such-decoder',
        '--out', str(tmp_path / 'out')
    ])
    printed = capsys.readouterr().out
    result = json.loads((tmp_path / 'out' / 'pipeline.json').read_text())
    (config, ) = result['configs']
    cpu, device = config['pipelines']['cpu-augment'], config['pipelines'][
        'device-augment']
    assert cpu['images'] == device['images'] == 3
    assert 'RandomApply(ColorJitter)' in ''.join(cpu['transforms'])
    # The device pipeline only decodes and crops on the CPU.
    assert not any('Jitter' in k or 'Blur' in k for k in device['transforms'])
    assert device['images_per_s'] > cpu['images_per_s']
    shares = [t['share'] for k, t in cpu['transforms'].items()
              if not k.startswith('  ')]
    assert 0.8 < sum(shares) <= 1.0 + 1e-6
    assert config['device']['batch_size'] == 2
    assert config['device']['views'] == [[224, 224]] * 2 + [[96, 96]] * 6
    assert result['decoders']['cv2']['images_per_s'] > 0
    assert 'error' in result['decoders']['no-such-decoder']
    assert '**images/s per core**' in printed
