"""Type stubs of the native module (the package re-exports these names)."""

from os import PathLike

import pyarrow
from typing import Any, Dict, List, Optional, TypedDict, Union

class Determining(TypedDict, total=False):
    policy: str
    statement: int
    sid: Optional[str]
    kind: str  # "identity" | "session" | "resource" | "control"
    index: int
    level: int  # control policies only

class Answer(TypedDict):
    decision: str  # "Allow" | "ExplicitDeny" | "ImplicitDeny"
    step: str  # "control" | "session" | "final"
    determining: List[Determining]
    revision: int

class RequestError(ValueError):
    """A request that cannot be read (ramjet eval's message, with the JSON path)."""

class BundleError(ValueError):
    """A bundle that cannot be loaded (each faulty file and JSON path)."""

class Snapshot:
    """A compiled bundle, immutable and shared by every thread."""

    @staticmethod
    def load(path: Union[str, "PathLike[str]"]) -> "Snapshot":
        """Loads and compiles the bundle in ``path``; raises BundleError."""
    @property
    def revision(self) -> int:
        """The snapshot's revision (1 when just loaded)."""
    def check(self, request: Dict[str, Any]) -> Answer:
        """Decides one request (a ``ramjet eval`` line as a dict); raises RequestError."""
    def check_batch(self, batch: Any) -> "pyarrow.RecordBatch":
        """Decides every row of a pyarrow RecordBatch or Table of requests (columns action,
        resource, principal, context, resource_group; or request); returns a RecordBatch of
        decision, step, determining, revision and error, one row per row. Raises ValueError
        for a column of the wrong type."""
