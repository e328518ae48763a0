"""Machine.explain: the readable tree, the JSON form as objects and as a
dict, the verdict against matches, and its errors."""

from __future__ import annotations

import gc
import json

import pytest

import evmatch

RULES = {
    "stopped": {"detail": {"state": ["stopped"], "reason": [{"prefix": "user"}]}},
    "big-order": {"detail": {"items": {"sku": ["A-1"], "qty": [{"numeric": [">", 5]}]}}},
    "either": {"$or": [{"source": ["aws.ec2"]}, {"detail": {"state": ["running"]}}]},
}
MISSPELT = '{"detail": {"state": "stopped", "reson": "user stop"}}'
ITEMS = '{"detail": {"items": [{"sku": "A-1", "qty": 1}, {"sku": "B-2", "qty": 9}]}}'


@pytest.fixture
def m():
    with evmatch.Machine(RULES) as machine:
        yield machine


def test_misspelt_field(m):
    e = m.explain("stopped", MISSPELT)
    assert isinstance(e, evmatch.Explanation)
    assert (e.rule, e.matched, len(e.branches)) == ("stopped", False, 1)
    reason, state = e.branches[0].fields
    assert (reason.path, reason.status, reason.matched, reason.values) == ("detail.reason", "absent", False, [])
    assert reason.pattern == '[{"prefix":"user"}]'
    assert (state.path, state.status, state.matched) == ("detail.state", "matched", True)
    v = state.values[0]
    assert (v.value, v.offset, v.array_indices, v.satisfies) == ('"stopped"', MISSPELT.index('"stopped"'), [], '"stopped"')
    assert e.branches[0].array_conflict is None
    tree = str(e)
    assert tree.splitlines()[0] == 'rule "stopped": did not match'
    assert '✗ detail.reason [{"prefix":"user"}]: absent' in tree
    assert "✓ detail.state" in tree and not tree.endswith("\n")
    assert repr(e) == "<evmatch.Explanation rule 'stopped': did not match>"


def test_array_consistency(m):
    e = m.explain("big-order", ITEMS)
    assert not e.matched
    b = e.branches[0]
    assert all(f.matched for f in b.fields)  # each field alone is satisfied...
    c = b.array_conflict  # ...but not from the same element
    assert c is not None
    assert c.fields == ["detail.items.qty", "detail.items.sku"]
    assert c.elements_tried == {"detail.items.qty": [[1]], "detail.items.sku": [[0]]}
    assert [v.array_indices for v in b.fields[0].values] == [[0], [1]]
    assert "array consistency" in str(e)


def test_or_branches_and_a_match(m):
    e = m.explain("either", {"source": "aws.ec2", "detail": {"state": "stopped"}})
    assert e.matched and [b.matched for b in e.branches] == [True, False]
    assert str(e).splitlines()[0] == 'rule "either": matched'


def test_to_dict_is_the_json_form(m):
    e = m.explain("big-order", ITEMS)
    d = e.to_dict()
    assert list(d) == ["rule", "matched", "branches"]
    assert list(d["branches"][0]) == ["matched", "fields", "array_conflict"]
    field = d["branches"][0]["fields"][0]
    assert list(field) == ["path", "pattern", "matched", "status", "values", "omitted_values"]
    assert list(field["values"][0]) == ["value", "offset", "array_indices", "satisfies"]
    d["rule"] = "changed"  # a copy
    assert e.to_dict()["rule"] == "big-order"
    json.dumps(d)


def test_bounded_output_and_truncated_values(m):
    many = {"detail": {"state": [f"s{i}" for i in range(100)]}}
    e = m.explain("stopped", many)
    state = e.branches[0].fields[1]
    assert len(state.values) == 64 and state.omitted_values == 36
    long_value = {"detail": {"state": "x" * 1000}}
    v = m.explain("stopped", long_value).branches[0].fields[1].values[0]
    assert v.truncated and len(v.value) <= 260
    obj = m.explain("stopped", {"detail": {"state": {"a": 1}}}).branches[0].fields[1]
    assert obj.status == "not-a-leaf" and obj.values[0].object


def test_verdict_is_the_matchers(m):
    events = [MISSPELT, ITEMS, '{"source": "aws.ec2"}', '{"detail": {"state": "running"}}',
              '{"detail": {"state": "stopped", "reason": "user-x", "items": {"sku": "A-1", "qty": 6}}}']
    for event in events:
        got = m.matches(event)
        for rule in m.rule_names:
            assert m.explain(rule, event).matched == (rule in got), (rule, event)


def test_rules_from_a_file_and_trusted_input():
    text = json.dumps({"zz": {"a": [1]}, "aa": {"b": [2]}})
    for machine in (evmatch.Machine.from_json(text), evmatch.Machine.from_json(text, trusted_input=True)):
        assert machine.explain("aa", '{"b": 2}').matched
        assert not machine.explain("zz", '{"b": 2}').matched
        assert machine.explain("zz", b'{"a": 1}').rule == "zz"


def test_errors(m):
    with pytest.raises(evmatch.UnknownRuleError) as info:
        m.explain("nope", MISSPELT)
    assert isinstance(info.value, KeyError) and isinstance(info.value, evmatch.EvmatchError)
    assert str(info.value) == "no rule named 'nope'" and info.value.rule == "nope"
    with pytest.raises(TypeError):
        m.explain(3, MISSPELT)  # type: ignore[arg-type]
    for bad in ("[1]", b'{"a": ', "", b"\xff"):
        with pytest.raises(evmatch.EventError) as got:
            m.explain("stopped", bad)
        with pytest.raises(evmatch.EventError) as want:
            m.matches(bad)
        assert (got.value.message, got.value.offset, got.value.kind) == (
            want.value.message, want.value.offset, want.value.kind)
    with pytest.raises(TypeError):
        m.explain("stopped", 7)  # type: ignore[arg-type]
    m.close()
    with pytest.raises(ValueError, match="closed"):
        m.explain("stopped", MISSPELT)


def test_memoryview_events_and_garbage_cycles(m):
    assert m.explain("stopped", memoryview(MISSPELT.encode())).rule == "stopped"
    for _ in range(200):
        try:
            m.explain("stopped", memoryview(b"nope"))
        except evmatch.EventError as e:
            e.cycle = e  # type: ignore[attr-defined]
    gc.collect()


def test_readme_explain_example(capsys):
    """The explain example of bindings/python/README.md runs and prints the
    tree it shows."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"<!-- explain example -->\n```python\n(.*?)```\n\nprints\n\n```text\n(.*?)```", readme, re.S)
    assert block, "the README's explain example is missing"
    exec(compile(block.group(1), "README.md", "exec"), {})
    assert capsys.readouterr().out == block.group(2)
