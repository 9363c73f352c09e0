"""`Snapshot.check` against `ramjet eval --bundle` (the CLI, a separate path through the same
engine) on the bundled corpus: the example requests and a few hundred generated ones over every
principal kind of the bundle, actions of several services, resources in and out of the account,
resource groups and contexts that satisfy and miss the corpus's conditions. Every answer must
be the CLI's, member for member; every unreadable request must raise RequestError with the
CLI's message."""

import ast
import itertools
import json
import subprocess
import threading

import pytest

import ramjet

ACCOUNT = "1234567890123456"

PRINCIPALS = [
    {"type": "RamUser", "account": ACCOUNT, "name": "alice"},
    {"type": "RamUser", "account": ACCOUNT, "name": "bob"},
    {"type": "RamUser", "account": ACCOUNT, "name": "carol"},
    {"type": "RamUser", "account": ACCOUNT, "name": "dave"},
    {"type": "RamUser", "account": ACCOUNT, "name": "nobody"},
    {"type": "RamUser", "account": "9876543210987654", "name": "erin"},
    {"type": "AssumedRole", "account": ACCOUNT, "name": "pai-runner", "session": "job-1"},
    {"type": "RootAccount", "account": ACCOUNT},
    {"type": "Service", "service": "dataworks.aliyuncs.com"},
    {"type": "Anonymous"},
]
ACTIONS = [
    "eas:DescribeService",
    "eas:CreateService",
    "eas:DeleteService",
    "eas:ListServices",
    "oss:GetObject",
    "ram:CreateUser",
    "sts:AssumeRole",
]
RESOURCES = [
    f"acs:eas:cn-hangzhou:{ACCOUNT}:service/dev-llm",
    f"acs:eas:cn-hangzhou:{ACCOUNT}:service/prod-llm",
    f"acs:ram::{ACCOUNT}:role/pai-runner",
    "acs:eas:us-west-1:9876543210987654:service/x",
    "*",
]
CONTEXTS = [
    {},
    {"acs:SourceIp": "192.0.2.7", "acs:RequestedRegion": "cn-hangzhou"},
    {"acs:SourceIp": "203.0.113.9", "acs:CurrentTime": "2026-12-08T03:00:00Z", "acs:MFAPresent": "true"},
]


def generated():
    out = []
    for i, (principal, action, resource) in enumerate(
        itertools.product(PRINCIPALS, ACTIONS, RESOURCES)
    ):
        request = {"action": action, "resource": resource, "principal": principal}
        request["context"] = CONTEXTS[i % len(CONTEXTS)]
        if i % 7 == 0:
            request["resource_group"] = "rg-pai-project"
        out.append(request)
    return out


def cli_answers(ramjet_bin, root, tmp_path, lines):
    path = tmp_path / "requests.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    run = subprocess.run(
        [ramjet_bin, "eval", "--bundle", str(root / "corpus" / "bundle"), "--requests", str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode in (0, 1), run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_answers_are_the_clis(snap, ramjet_bin, root, tmp_path):
    examples = (root / "corpus" / "examples" / "requests.jsonl").read_text().splitlines()
    requests = [json.loads(line) for line in examples] + generated()
    expected = cli_answers(ramjet_bin, root, tmp_path, [json.dumps(r) for r in requests])
    assert len(expected) == len(requests) > 300
    decisions = set()
    for request, cli in zip(requests, expected):
        if "error" in cli:  # the examples hold a line that cannot be read
            with pytest.raises(ramjet.RequestError) as raised:
                snap.check(request)
            assert str(raised.value) == cli["error"]
            continue
        assert snap.check(request) == cli, request
        decisions.add(cli["decision"])
    # The corpus reaches every decision: the comparison is not vacuous.
    assert decisions == {"Allow", "ExplicitDeny", "ImplicitDeny"}


@pytest.mark.parametrize(
    "request_",
    [
        {"resource": "*"},
        {"action": "eas:DescribeService"},
        {"action": 7, "resource": "*"},
        {"action": "eas:DescribeService", "resource": "*", "contxt": {}},
        {"action": "eas:DescribeService", "resource": "*", "principal": {"type": "Robot"}},
        {"action": "eas:DescribeService", "resource": "*", "principal": {"type": "RamUser"}},
        {"action": "eas:Describe*", "resource": "*"},
        {"action": "eas:DescribeService", "resource": "*", "context": {"acs:SourceIp": {"a": 1}}},
        {"action": "eas:DescribeService", "resource": "*", "resource_group": None},
        ["not", "an", "object"],
        "a string",
    ],
)
def test_unreadable_requests_raise_the_clis_message(snap, ramjet_bin, root, tmp_path, request_):
    [cli] = cli_answers(ramjet_bin, root, tmp_path, [json.dumps(request_)])
    with pytest.raises(ramjet.RequestError) as raised:
        snap.check(request_)
    assert str(raised.value) == cli["error"]
    assert isinstance(raised.value, ValueError)


def test_values_json_cannot_hold_are_request_errors(snap):
    with pytest.raises(ramjet.RequestError, match="not JSON"):
        snap.check({"action": "eas:DescribeService", "resource": "*", "context": {"k": {1, 2}}})


def test_bundles_that_cannot_be_loaded_raise_bundle_error(tmp_path):
    with pytest.raises(ramjet.BundleError, match="bundle.json"):
        ramjet.Snapshot.load(tmp_path)
    (tmp_path / "bundle.json").write_text('{"accounts": {"1": {"users": {"u": {"policies": ["Missing"]}}}}}')
    (tmp_path / "policies").mkdir()
    with pytest.raises(ramjet.BundleError, match="Missing"):
        ramjet.Snapshot.load(str(tmp_path))


def test_threads_share_a_snapshot(snap):
    requests = generated()
    expected = [snap.check(r) for r in requests]
    failures = []

    def work():
        for request, answer in zip(requests, expected):
            if snap.check(request) != answer:
                failures.append(request)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_help_explains_the_package(snap):
    assert "Snapshot.load" in ramjet.__doc__
    assert "RequestError" in ramjet.__doc__
    assert "GIL" in ramjet.Snapshot.check.__doc__ or "ramjet eval" in ramjet.Snapshot.check.__doc__
    assert snap.revision == 1
    assert repr(snap).startswith("<ramjet.Snapshot revision 1, ")


def test_readme_example_prints_what_readme_says(root, monkeypatch):
    """README's Python block, run: each `# ` line is what the expression above it returns (or
    the error it raises)."""
    readme = (root / "README.md").read_text()
    block = readme.split("## Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    namespace = {}
    pending = []
    shown = 0
    for line in block.splitlines():
        if not line.startswith("# "):
            pending.append(line)
            continue
        *setup, last = ast.parse("\n".join(pending)).body
        pending = []
        exec(compile(ast.Module(body=setup, type_ignores=[]), "README", "exec"), namespace)
        try:
            result = repr(eval(compile(ast.Expression(last.value), "README", "eval"), namespace))
        except ramjet.RequestError as error:
            result = f"ramjet.RequestError: {error}"
        assert result == line[2:]
        shown += 1
    assert shown == 2
