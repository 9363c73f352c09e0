//! Batches: a slice of requests decided in parallel with `rayon`, in chunks. Each chunk loads the
//! snapshot once (so a chunk never mixes revisions) and reuses one [`Scratch`]; results come back
//! in input order.

use crate::evaluate::Scratch;
use crate::request::Request;
use crate::store::{Checked, PolicyStore, Snapshot};
use crate::Outcome;
use rayon::prelude::*;

/// Requests per chunk: large enough to amortise the snapshot load and scheduling, small enough to
/// balance across threads.
pub const CHUNK: usize = 1024;

/// Maps `items` in parallel chunks, in order, giving each worker's chunk a reusable
/// [`Scratch`]; `prepare` runs once per chunk (load the snapshot there).
pub fn map_chunks<T, P, R>(
    items: &[T],
    prepare: impl Fn() -> P + Sync,
    decide: impl Fn(&P, &T, &mut Scratch) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    items
        .par_chunks(CHUNK)
        .map_init(Scratch::default, |scratch, chunk| {
            let prepared = prepare();
            chunk
                .iter()
                .map(|item| decide(&prepared, item, scratch))
                .collect::<Vec<_>>()
        })
        .flatten_iter()
        .collect()
}

/// Decides every request on the store's current snapshots, in order.
///
/// ```
/// # use ramjet_engine::{bundle::Bundle, store::PolicyStore, batch, Request, Decision};
/// let store = PolicyStore::new(&Bundle::default()).unwrap();
/// let requests = vec![Request::new("eas:ListServices", "*").unwrap(); 3];
/// let checked = batch::check_all(&store, &requests);
/// assert!(checked.iter().all(|c| c.verdict.decision == Decision::ImplicitDeny));
/// ```
pub fn check_all(store: &PolicyStore, requests: &[Request]) -> Vec<Checked> {
    map_chunks(
        requests,
        || store.snapshot(),
        |snapshot, request, scratch| snapshot.check(request, scratch),
    )
}

/// Decides every request on one snapshot, with determining statements, in order.
pub fn outcomes(snapshot: &Snapshot, requests: &[Request]) -> Vec<Outcome> {
    map_chunks(
        requests,
        || (),
        |_, request, scratch| snapshot.outcome(request, scratch),
    )
}
