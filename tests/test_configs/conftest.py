"""Fixtures of the detection config tests: a tiny fake VOC07+12 and COCO
(detection_fakes.py), written once per test module."""
import pytest

from detection_fakes import write_fake_coco, write_fake_voc


@pytest.fixture(scope='module')
def fake_voc(tmp_path_factory):
    return write_fake_voc(tmp_path_factory.mktemp('voc'))


@pytest.fixture(scope='module')
def fake_coco(tmp_path_factory):
    return write_fake_coco(tmp_path_factory.mktemp('coco'))
