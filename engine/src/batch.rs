//! Batches: many requests decided in parallel with `rayon`, in chunks, results in input order.
//! [`par_map_chunks`] is the one parallel loop: [`check_all`] and [`outcomes`] here, `ramjet
//! eval` and `ramjet audit` all decide through it. Each worker reuses one [`Scratch`] for every
//! chunk it takes.

use crate::evaluate::Scratch;
use crate::request::Request;
use crate::snapshot::{Checked, Snapshot};
use crate::store::PolicyStore;
use crate::Outcome;
use rayon::prelude::*;

/// Requests per chunk for [`check_all`] and [`outcomes`]: large enough to amortise the snapshot
/// load and scheduling, small enough to balance across threads.
pub const CHUNK: usize = 1024;

/// Runs `work` on each chunk of `chunk_len` items of `items` in parallel (rayon's pool), with
/// a [`Scratch`] per worker, and returns the chunks' results in input order.
///
/// ```
/// use ramjet_engine::batch::par_map_chunks;
/// let sums = par_map_chunks(&[1, 2, 3, 4, 5], 2, |chunk, _scratch| chunk.iter().sum::<i32>());
/// assert_eq!(sums, [3, 7, 5]);
/// ```
pub fn par_map_chunks<T, R>(
    items: &[T],
    chunk_len: usize,
    work: impl Fn(&[T], &mut Scratch) -> R + Sync + Send,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    items
        .par_chunks(chunk_len.max(1))
        .map_init(Scratch::default, |scratch, chunk| work(chunk, scratch))
        .collect()
}

/// Decides every request on the store's current snapshots, in order. Each chunk loads the
/// snapshot once, so a chunk never mixes revisions.
///
/// ```
/// # use ramjet_engine::{batch, model::Bundle, Decision, PolicyStore, Request};
/// let store = PolicyStore::new(&Bundle::default()).unwrap();
/// let requests = vec![Request::new("eas:ListServices", "*").unwrap(); 3];
/// let checked = batch::check_all(&store, &requests);
/// assert!(checked.iter().all(|c| c.verdict.decision == Decision::ImplicitDeny));
/// ```
pub fn check_all(store: &PolicyStore, requests: &[Request]) -> Vec<Checked> {
    par_map_chunks(requests, CHUNK, |chunk, scratch| {
        let snapshot = store.snapshot();
        chunk
            .iter()
            .map(|request| snapshot.check(request, scratch))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Decides every request on one snapshot, with determining statements, in order.
pub fn outcomes(snapshot: &Snapshot, requests: &[Request]) -> Vec<Outcome> {
    par_map_chunks(requests, CHUNK, |chunk, scratch| {
        chunk
            .iter()
            .map(|request| snapshot.outcome(request, scratch))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}
