"""Regression tests for issue 11 (hardening): settings that used to crash or pass silently."""
import pytest

from brushwork import BrushworkError, Settings
from brushwork.presets import preset


@pytest.mark.parametrize("changes, words", [
    ({"iterations": 1e308}, "iterations"),
    ({"iterations": 2**63}, "iterations"),
    ({"iterations": float("inf")}, "iterations"),
    ({"iterations": "Infinity"}, "iterations"),
    ({"seed": 2**64}, "seed"),
    ({"seed": -1}, "seed"),
    ({"learning_rate": 1e308}, "learning_rate"),
    ({"learning_rate": "nan"}, "learning_rate"),
    ({"learning_rate": float("-inf")}, "learning_rate"),
    ({"size": True}, "size"),
    ({"iterations": False}, "iterations"),
    ({"style_weight": True}, "style_weight"),
    ({"style_blend": [[[[1]]]]}, "style_blend"),
])
def test_overflowing_non_finite_and_boolean_values_are_refused(changes, words):
    with pytest.raises(BrushworkError, match=words):
        Settings.from_dict({**Settings().to_dict(), **changes})


def test_the_largest_allowed_values_still_pass():
    s = Settings.from_dict({"iterations": 100_000, "seed": 2**63 - 1, "learning_rate": 100})
    assert (s.iterations, s.seed, s.learning_rate) == (100_000, 2**63 - 1, 100.0)


def test_long_names_are_not_echoed_whole():
    name = "x" * 900_000
    for call in (lambda: preset(name), lambda: Settings.from_dict({name: 1}),
                 lambda: Settings.from_dict({"optimizer": name})):
        with pytest.raises(BrushworkError) as e:
            call()
        assert "x" * 41 not in str(e.value) and len(str(e.value)) < 2000
