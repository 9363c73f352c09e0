"""ramjet: Alibaba Cloud RAM permission policies, decided exactly as RAM does, from Python.

Load a bundle (a directory with ``bundle.json`` and ``policies/``, as ``ramjet eval --bundle``
reads it) into a compiled, immutable snapshot, and decide requests on it::

    import ramjet
    snap = ramjet.Snapshot.load("corpus/bundle")
    snap.check({
        "action": "eas:DescribeService",
        "resource": "acs:eas:cn-hangzhou:1234567890123456:service/demo",
        "principal": {"type": "RamUser", "account": "1234567890123456", "name": "alice"},
        "context": {"acs:SourceIp": "10.0.0.1"},
    })
    # {'decision': 'Allow', 'step': 'final', 'determining': [...], 'revision': 1}

A request is the dict of a ``ramjet eval`` line; the answer is the dict ``ramjet eval --bundle``
prints for it. For many requests, ``snap.check_batch(table)`` takes a ``pyarrow.Table`` or
``RecordBatch`` of requests and returns a ``RecordBatch`` of answers, one row per row. A request that cannot be read raises :class:`RequestError` (a ``ValueError``)
with ``ramjet eval``'s message and the JSON path of the fault; a bundle that cannot be loaded
raises :class:`BundleError`. Deciding releases the GIL, so threads decide in parallel.
"""

from ._ramjet import BundleError, RequestError, Snapshot

__all__ = ["Snapshot", "RequestError", "BundleError"]
