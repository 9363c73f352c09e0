"""`Snapshot.check_batch` against `Snapshot.check` (itself compared with `ramjet eval` in
test_check.py): the same requests as Arrow columns, as whole request lines, as a chunked Table;
and the batch's edges: nulls, wrong types, oversized strings, malformed context."""

import json

import pyarrow as pa
import pytest

from test_check import generated

PRINCIPAL_FIELDS = ["type", "account", "name", "session", "service", "provider"]


def columns(requests):
    principal_type = pa.struct(
        [pa.field(f, pa.string()) for f in PRINCIPAL_FIELDS]
        + [pa.field("management_account", pa.bool_())]
    )
    principals = [
        None if "principal" not in r else {**{f: r["principal"].get(f) for f in PRINCIPAL_FIELDS},
                                           "management_account": r["principal"].get("management_account")}
        for r in requests
    ]
    return pa.table(
        {
            "action": pa.array([r.get("action") for r in requests], pa.string()),
            "resource": pa.array([r.get("resource") for r in requests], pa.string()),
            "principal": pa.array(principals, principal_type),
            "context": pa.array(
                [json.dumps(r["context"]) if "context" in r else None for r in requests], pa.string()
            ),
            "resource_group": pa.array([r.get("resource_group") for r in requests], pa.string()),
        }
    )


def expected(snap, request):
    try:
        return snap.check(request), None
    except ValueError as error:
        return None, str(error)


def assert_rows(snap, requests, answers):
    assert isinstance(answers, pa.RecordBatch)
    assert answers.schema.names == ["decision", "step", "determining", "revision", "error"]
    assert answers.num_rows == len(requests)
    for request, row in zip(requests, answers.to_pylist()):
        answer, error = expected(snap, request)
        if error is not None:
            assert row["error"] == error and row["decision"] is None and row["step"] is None
            continue
        assert row["error"] is None
        assert row["decision"] == answer["decision"], request
        assert row["step"] == answer["step"]
        assert row["revision"] == answer["revision"]
        got = [{k: v for k, v in d.items() if v is not None or k == "sid"} for d in row["determining"]]
        assert got == answer["determining"], request


def test_member_columns_answer_as_check(snap):
    requests = generated()
    table = columns(requests)
    assert_rows(snap, requests, snap.check_batch(table))
    assert_rows(snap, requests, snap.check_batch(table.to_batches()[0]))


def test_request_lines_and_chunked_tables(snap):
    requests = generated()
    lines = pa.table({"request": [json.dumps(r) for r in requests]})
    assert_rows(snap, requests, snap.check_batch(lines))
    chunked = pa.concat_tables([columns(requests[:50]), columns(requests[50:])])
    assert chunked.column("action").num_chunks == 2
    assert_rows(snap, requests, snap.check_batch(chunked))
    large = columns(requests).cast(
        pa.schema([pa.field(n, pa.large_string()) if t == pa.string() else pa.field(n, t)
                   for n, t in zip(columns(requests).schema.names, columns(requests).schema.types)])
    )
    assert_rows(snap, requests, snap.check_batch(large))


def test_rows_that_cannot_be_read_carry_evals_message(snap):
    requests = generated()[:20]
    requests[0] = {k: v for k, v in requests[0].items() if k != "action"}
    requests[1] = {**requests[1], "action": "eas:Describe*"}
    requests[2] = {**requests[2], "resource": "r" * 3_000_000}
    requests[3] = {**requests[3], "principal": {"type": "Robot"}}
    answers = snap.check_batch(columns(requests))
    errors = answers.column("error").to_pylist()
    assert all(e is not None for e in errors[:4]) and all(e is None for e in errors[4:])
    assert_rows(snap, requests, answers)
    broken = pa.table({"action": ["eas:DescribeService"], "resource": ["*"], "context": ["{not json"]})
    [row] = snap.check_batch(broken).to_pylist()
    assert row["error"].startswith("context: not JSON")


def test_wrong_columns_are_value_errors_naming_the_column(snap):
    with pytest.raises(ValueError, match="column action: expected strings"):
        snap.check_batch(pa.table({"action": [1, 2], "resource": ["*", "*"]}))
    with pytest.raises(ValueError, match="no column action, resource or request"):
        snap.check_batch(pa.table({"verb": ["x"]}))
    with pytest.raises(ValueError, match='unknown field "nickname"'):
        snap.check_batch(pa.table({"action": ["a:b"], "principal": [{"nickname": "x"}]}))
    empty = snap.check_batch(columns([]))
    assert empty.num_rows == 0
