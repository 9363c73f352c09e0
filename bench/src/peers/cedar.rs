//! TODO(helper): the cedar translation of the benchmark workload.
