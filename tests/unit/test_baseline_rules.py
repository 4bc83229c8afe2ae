"""The baseline drift rules, one sentence each, on small bodies judged in memory."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core.assumptions import Assumptions
from monitor.core.baseline import LearnPolicy
from monitor.core.shape.stats import infer_shape, merge_shapes
from tests.unit.judging import Series, kinds, make_spec, observe

BODY: dict[str, Any] = {
    "id": "chatcmpl-abc",
    "object": "chat.completion",
    "created": 1770933883,
    "model": "gpt-4o-mini",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "hi", "tool_calls": None},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}


def body(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(BODY)
    for dotted, value in changes.items():
        node = out
        *parents, leaf = dotted.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is ...:
            del node[leaf]
        else:
            node[leaf] = value
    return out


def learned(**kwargs: Any) -> Series:
    series = Series(spec=make_spec(learn_runs=3, **kwargs))
    series.learn([BODY, BODY, BODY])
    return series


def test_type_change_of_created_is_breaking() -> None:
    assert kinds(learned().run(observe(body(created="1770933883")))) == {
        ("type-changed", "created", "breaking")
    }


def test_an_integral_float_is_not_fractional_but_a_fraction_is_breaking() -> None:
    series = learned()
    assert series.run(observe(body(usage__total_tokens=7.0))).findings == ()
    assert kinds(series.run(observe(body(usage__total_tokens=6.5)))) == {
        ("int-became-fractional", "usage.total_tokens", "breaking")
    }


def test_a_new_null_is_breaking() -> None:
    found = kinds(learned().run(observe(body(choices__0__message__content=None))))
    assert found == {("null-appeared", "choices[].message.content", "breaking")}


def test_an_empty_choices_array_is_breaking() -> None:
    assert ("array-became-empty", "choices", "breaking") in kinds(
        learned().run(observe(body(choices=[])))
    )


def test_a_new_finish_reason_is_a_warning_and_breaking_when_the_client_switches_on_it() -> None:
    new = body(choices__0__finish_reason="end_turn")
    assert kinds(learned().run(observe(new))) == {
        ("enum-value-added", "choices[].finish_reason", "warning")
    }
    assumed = learned(
        assumptions=Assumptions(enums={"choices[].finish_reason": frozenset({"stop", "length"})})
    )
    assert kinds(assumed.run(observe(new))) == {
        ("enum-value-added", "choices[].finish_reason", "breaking")
    }


def test_a_changed_object_const_is_breaking() -> None:
    assert kinds(learned().run(observe(body(object="chat.completion.v2")))) == {
        ("const-changed", "object", "breaking")
    }


def test_a_new_content_part_type_is_a_variant() -> None:
    parts = [{"type": "text", "text": "a"}]
    series = Series(spec=make_spec(learn_runs=2))
    series.learn([body(choices__0__message__content=parts)] * 2)
    refusal = [{"type": "refusal", "refusal": "no"}]
    found = kinds(series.run(observe(body(choices__0__message__content=refusal))))
    assert ("variant-added", "choices[].message.content[].type", "warning") in found


def test_created_in_milliseconds_is_a_format_change() -> None:
    assert kinds(learned().run(observe(body(created=1770933883000)))) == {
        ("format-changed", "created", "warning")
    }


def test_a_field_only_seen_null_takes_its_first_type_without_a_finding() -> None:
    series = learned()
    calls = [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    assert series.run(observe(body(choices__0__message__tool_calls=calls))).findings == ()
    # ... and from then on that type is the baseline's
    found = kinds(series.run(observe(body(choices__0__message__tool_calls="x"))))
    assert ("type-changed", "choices[].message.tool_calls", "breaking") in found


def test_an_always_present_field_that_comes_and_goes_became_optional() -> None:
    series = learned()
    without = body(usage=...)
    assert ("property-removed", "usage", "breaking") in kinds(series.run(observe(without)))
    assert series.run(observe(BODY)).findings == ()
    assert ("property-became-optional", "usage", "breaking") in kinds(series.run(observe(without)))


def test_an_optional_field_missing_longer_than_chance_is_a_warning() -> None:
    series = Series(spec=make_spec(learn_runs=2))
    series.learn([BODY, body(usage=...)])  # usage seen 1 of 2: optional
    results = [series.run(observe(body(usage=...))) for _ in range(7)]
    assert [bool(r.findings) for r in results] == [False] * 6 + [True]
    assert kinds(results[-1]) == {("optional-property-removed", "usage", "warning")}


def test_learn_for_keeps_learning_until_the_duration_has_passed() -> None:
    series = Series(
        spec=make_spec(learn=LearnPolicy(learn_runs=2, learn_for=timedelta(minutes=10)))
    )
    series.learn([BODY] * 3)
    (baseline,) = series.state.baselines.values()
    assert baseline.state == "learning"
    series.learn([BODY] * 8)  # started at minute 1, the 11th run is 10 minutes later
    (baseline,) = series.state.baselines.values()
    assert baseline.state == "active"
    series.learn([BODY] * 3)
    (frozen,) = series.state.baselines.values()
    assert frozen.shape.samples == baseline.shape.samples == 11  # frozen once active


def test_an_error_envelope_change_is_one_kind() -> None:
    series = Series(spec=make_spec(learn_runs=2, expected_status=frozenset({401})))
    envelope = {"error": {"message": "bad key", "type": "invalid_request_error", "code": "x"}}
    series.learn([envelope, envelope], status=401)
    changed = {"error": {"message": "bad key", "type": "invalid_request_error", "code": 401}}
    (finding,) = series.run(observe(changed, status=401)).findings
    assert (finding.kind, finding.path, finding.response_class.value) == (
        "error-envelope-changed",
        "error.code",
        "error",
    )


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abtype"), inner),
    max_leaves=12,
)


@settings(derandomize=True, max_examples=80, deadline=None)
@given(a=_values, b=_values, c=_values)
def test_merging_shapes_is_associative_and_commutative(a: Any, b: Any, c: Any) -> None:
    sa, sb, sc = (infer_shape(x, headers={"x-a": "1"}) for x in (a, b, c))
    assert merge_shapes(merge_shapes(sa, sb), sc) == merge_shapes(sa, merge_shapes(sb, sc))
    assert merge_shapes(sa, sb) == merge_shapes(sb, sa)
    round_trip = type(sa).from_json(merge_shapes(sa, sb).to_json())
    assert round_trip == merge_shapes(sa, sb)
