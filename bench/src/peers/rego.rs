//! TODO(helper): the rego translation of the benchmark workload.
