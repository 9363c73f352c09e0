//! A gateway embedding ramjet: load a bundle, check requests from many threads, swap in a new
//! bundle when it changes. Copy this into your service.
//!
//! ```text
//! cargo run --release -p ramjet-engine --example gateway -- corpus/bundle
//! ```

use ramjet_compiler::{load_bundle, reload};
use ramjet_engine::{Context, Decision, PolicyStore, Principal, Request, RequestError, Scratch};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a gateway knows about an incoming call, turned into a ramjet request. A call that
/// cannot be a request (an action that is not `service:Name`, an over-long value) is an error:
/// deny it. This owned way allocates each request's strings: fine for a one-off.
fn request_for(
    user: &str,
    action: &str,
    service: &str,
    source_ip: &str,
) -> Result<Request, RequestError> {
    let mut context = Context::default();
    context.insert("acs:SourceIp", vec![source_ip.to_string()])?;
    context.insert("acs:RequestedRegion", vec!["cn-hangzhou".to_string()])?;
    let resource = format!("acs:eas:cn-hangzhou:1234567890123456:service/{service}");
    Ok(Request::new(action, &resource)?
        .with_principal(Principal::ram_user("1234567890123456", user))
        .with_context(context))
}

/// A call as it reaches a request thread: borrowed strings.
struct Call<'a> {
    user: &'a str,
    action: &'a str,
    resource: &'a str,
    source_ip: &'a str,
}

/// The per-call way: the thread's one `Request` refilled with the call's strings, copied into
/// the buffers it kept from earlier calls — no allocation once they have grown to fit.
fn refill(request: &mut Request, call: &Call<'_>) -> Result<(), RequestError> {
    request.refill(call.action, call.resource)?;
    request.set_ram_user("1234567890123456", call.user, None);
    let context = request.context_mut();
    context.insert_value("acs:SourceIp", call.source_ip)?;
    context.insert_value("acs:RequestedRegion", "cn-hangzhou")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .map_or_else(|| "corpus/bundle".into(), PathBuf::from);

    // 1. Load and compile the bundle once at start-up. Any invalid file is reported with its path.
    let store = PolicyStore::new(&load_bundle(&dir)?)?;
    println!(
        "loaded {} (revision {})",
        dir.display(),
        store.snapshot().revision()
    );

    let service = |name: &str| format!("acs:eas:cn-hangzhou:1234567890123456:service/{name}");
    let (dev, prod, any) = (service("dev-chat"), service("prod-chat"), service("any"));
    let call = |user, action, resource, source_ip| Call {
        user,
        action,
        resource,
        source_ip,
    };
    let calls = [
        call("alice", "eas:CreateService", &dev, "192.0.2.10"),
        call("alice", "eas:DeleteService", &prod, "192.0.2.10"),
        call("alice", "eas:CreateService", &dev, "203.0.113.5"),
        call("bob", "eas:ListServices", &any, "192.0.2.10"),
    ];
    // Each request thread refills its own copy of this request.
    let blank = Request::new("eas:Start", "*")?;
    let allowed = AtomicU64::new(0);
    let denied = AtomicU64::new(0);
    std::thread::scope(|scope| {
        // 2. Request threads: each keeps a StoreReader (the current snapshot and its own
        //    scratch space) and one Request it refills per call, so neither building nor
        //    checking allocates or locks; a swap is seen at the next check.
        for worker in 0..4 {
            let (store, calls, allowed, denied) = (&store, &calls, &allowed, &denied);
            let mut request = blank.clone();
            scope.spawn(move || {
                let mut reader = store.reader();
                for call in calls.iter().cycle().skip(worker).take(100_000) {
                    let allow = refill(&mut request, call).is_ok()
                        && reader.check(&request).verdict.decision == Decision::Allow;
                    match allow {
                        true => allowed.fetch_add(1, Ordering::Relaxed),
                        false => denied.fetch_add(1, Ordering::Relaxed),
                    };
                }
            });
        }
        // 3. Meanwhile, a change to the bundle: reload swaps atomically, or keeps the old
        //    snapshot and reports why not. Readers are never blocked.
        match reload(&store, &dir) {
            Ok(revision) => println!("reloaded: now revision {revision}"),
            Err(error) => eprintln!("reload failed, still serving the previous revision:\n{error}"),
        }
    });
    println!(
        "{} allowed, {} denied",
        allowed.load(Ordering::Relaxed),
        denied.load(Ordering::Relaxed)
    );

    // 4. When a decision needs explaining (a log line, an audit), ask for its statements.
    let snapshot = store.snapshot();
    let mut scratch = Scratch::default();
    let request = request_for("alice", "eas:DeleteService", "prod-chat", "192.0.2.10")?;
    let outcome = snapshot.outcome(&request, &mut scratch);
    println!(
        "alice eas:DeleteService prod-chat: {} by {:?} (revision {})",
        outcome.decision,
        outcome.determining,
        snapshot.revision()
    );
    Ok(())
}
