"""Shape statistics: presence, nullability, type histograms, enum values, associative merge."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core.shape.paths import parent_path
from monitor.core.shape.stats import Shape, infer_shape, merge_shapes
from monitor.core.shape.values import type_name

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_integral_floats_count_as_integers_and_fractions_as_numbers() -> None:
    assert type_name(6) == "integer"
    assert type_name(6.0) == "integer"
    assert type_name(6.5) == "number"
    assert type_name(True) == "bool"
    assert type_name(None) == "null"


def test_paths_use_dots_for_members_and_brackets_for_array_items() -> None:
    body = json.loads((FIXTURES / "openai" / "ok-gpt-4.1-nano-raw-pretty.json").read_text())
    shape = infer_shape(body)
    assert {"choices", "choices[]", "choices[].message.content", "usage.total_tokens"} <= set(
        shape.paths
    )
    assert shape.paths["choices[].finish_reason"].values == {"stop": 1}
    assert shape.paths["object"].values == {"chat.completion": 1}
    assert shape.paths["choices[].message.refusal"].nulls == 1
    assert shape.paths["id"].values is None  # ids are values, never an enum


def test_presence_is_counted_once_per_sample_and_containers_follow_the_parent() -> None:
    with_usage = infer_shape({"id": "a", "usage": {"total_tokens": 3}})
    without = infer_shape({"id": "b"})
    merged = merge_shapes(with_usage, without)
    assert merged.samples == 2
    assert merged.paths["usage"].present == 1
    assert merged.containers("usage") == 2
    assert merged.containers("usage.total_tokens") == 1  # required inside usage when usage is there


def test_keys_with_dots_are_quoted_and_their_parent_is_found() -> None:
    shape = infer_shape({"a": {"x.y": 1}})
    assert 'a."x.y"' in shape.paths
    assert parent_path('a."x.y"') == "a"


def test_enum_values_beyond_the_cap_make_the_set_open() -> None:
    shapes = [infer_shape({"type": f"t{i}"}) for i in range(40)]
    merged = shapes[0]
    for s in shapes[1:]:
        merged = merge_shapes(merged, s)
    assert merged.paths["type"].enum
    assert merged.paths["type"].values is None


def test_shape_round_trips_through_json() -> None:
    body = json.loads((FIXTURES / "openai" / "ok-gpt-4.1-nano-raw-pretty.json").read_text())
    shape = merge_shapes(infer_shape(body), infer_shape({"id": "x", "choices": []}))
    assert Shape.from_json(json.loads(json.dumps(shape.to_json()))) == shape


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from([0.5, 1.0])
    | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "type", "role"]), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(derandomize=True, max_examples=150)
@given(json_values, json_values, json_values)
def test_merging_shapes_is_associative_and_commutative(a: object, b: object, c: object) -> None:
    sa, sb, sc = infer_shape(a), infer_shape(b), infer_shape(c)
    assert merge_shapes(sa, sb) == merge_shapes(sb, sa)
    assert merge_shapes(merge_shapes(sa, sb), sc) == merge_shapes(sa, merge_shapes(sb, sc))
