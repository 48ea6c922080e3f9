import numpy as np
import pytest
from gymnasium import spaces

from wrappers.space_math import (
    VALUE_RANGES,
    channels_first_shape,
    check_image_space,
    check_size,
    check_value_range,
    stacked_to_channels_last_shape,
)


@pytest.mark.parametrize(
    "shape, expected",
    [((210, 160, 3), (3, 210, 160)), ((250, 160, 3), (3, 250, 160)), ((210, 160), (1, 210, 160))],
)
def test_channels_first_shape(shape, expected):
    assert channels_first_shape(shape) == expected


def test_channels_first_shape_rejects_vectors():
    with pytest.raises(ValueError, match=r"\(4,\)"):
        channels_first_shape((4,))


def test_stacked_shapes():
    assert stacked_to_channels_last_shape((4, 84, 84)) == (84, 84, 4)
    assert stacked_to_channels_last_shape((2, 64, 64, 3)) == (64, 64, 6)


@pytest.mark.parametrize("size, expected", [(64, (64, 64)), ((32, 48), (32, 48)), ([8, 8], (8, 8))])
def test_check_size_accepts(size, expected):
    assert check_size(size, "W") == expected


@pytest.mark.parametrize("size", [0, -3, (0, 64), (64, -1)])
def test_check_size_rejects_non_positive(size):
    with pytest.raises(ValueError, match="W size must be from 1 to 4096 pixels a side"):
        check_size(size, "W")


@pytest.mark.parametrize("size", [(64,), (1, 2, 3), "64", 6.4, (6.4, 8), True])
def test_check_size_rejects_bad_types(size):
    with pytest.raises(TypeError, match="W size"):
        check_size(size, "W")


@pytest.mark.parametrize("value_range", VALUE_RANGES + ((0, 255), [-1, 1]))
def test_check_value_range_accepts(value_range):
    assert check_value_range(value_range, "W") in VALUE_RANGES


@pytest.mark.parametrize("value_range", [(0, 2), (-1, 0), (1, -1)])
def test_check_value_range_rejects_unknown(value_range):
    with pytest.raises(ValueError, match=r"W value_range must be one of \(0, 255\), \(0, 1\), \(-1, 1\)"):
        check_value_range(value_range, "W")


@pytest.mark.parametrize("value_range", [1.0, "01", None])
def test_check_value_range_rejects_non_pairs(value_range):
    with pytest.raises(TypeError, match="W value_range"):
        check_value_range(value_range, "W")


def test_check_image_space():
    good = spaces.Box(0, 255, (210, 160, 3), np.uint8)
    assert check_image_space(good, "W") is good
    with pytest.raises(TypeError, match="W requires a Box"):
        check_image_space(spaces.Discrete(3), "W")
    with pytest.raises(ValueError, match=r"W requires image observations.*\(4,\)"):
        check_image_space(spaces.Box(-1, 1, (4,), np.float32), "W")
    with pytest.raises(ValueError, match="W requires uint8 frames"):
        check_image_space(spaces.Box(0, 1, (8, 8, 3), np.float32), "W")
