"""hexa_mm.benchmarks.pipeline: the images it times."""
from PIL import Image

from hexa_mm.benchmarks.pipeline import find_images, write_natural_jpegs


def test_generated_jpegs_are_natural_photos_of_imagenet_size(tmp_path):
    paths = write_natural_jpegs(str(tmp_path), count=3)
    assert find_images(str(tmp_path)) == sorted(paths)
    with Image.open(paths[0]) as img:
        assert img.size == (500, 375) and img.format == 'JPEG'
