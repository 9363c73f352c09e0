//! The principals of recent principal headers, per thread. A gateway sends the same few
//! principals over and over, and reading one from its header's JSON (strictly: duplicate
//! members, every field checked) costs ~7,000 instructions, most of a forwarded call's mapping
//! (callgrind, `bench/README.md`). Reading is a pure function of the header's text, so the
//! principal read once is reused for the same text, whatever the route file.
//!
//! Bounded: texts over [`MAX_TEXT`] bytes are not kept, and a thread's cache is emptied when it
//! holds [`MAX_ENTRIES`]; only principals that read are kept, so a refused header is read (and
//! refused, with its reason) every time.

use hashbrown::HashMap;
use ramjet_engine::Principal;
use std::cell::RefCell;

/// The longest header text kept.
pub const MAX_TEXT: usize = 512;
/// The most principals a thread keeps.
pub const MAX_ENTRIES: usize = 4096;

thread_local! {
    static PRINCIPALS: RefCell<HashMap<Box<str>, Principal>> = RefCell::new(HashMap::new());
}

/// The principal `text` read to before, on this thread, if any.
#[cfg(test)]
pub fn get(text: &str) -> Option<Principal> {
    with(text, Principal::clone)
}

/// `use_it` on the principal `text` read to before, on this thread (not copied), if any.
pub fn with<T>(text: &str, use_it: impl FnOnce(&Principal) -> T) -> Option<T> {
    if text.len() > MAX_TEXT {
        return None;
    }
    PRINCIPALS.with(|cache| cache.try_borrow().ok()?.get(text).map(use_it))
}

/// Keeps what `text` read to.
pub fn put(text: &str, principal: &Principal) {
    if text.len() > MAX_TEXT {
        return;
    }
    PRINCIPALS.with(|cache| {
        if let Ok(mut cache) = cache.try_borrow_mut() {
            if cache.len() >= MAX_ENTRIES {
                cache.clear();
            }
            cache.insert(text.into(), principal.clone());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_principal_comes_back_for_the_same_text_only() {
        let alice = Principal::ram_user("1234567890123456", "alice");
        let text = r#"{"type": "RamUser", "account": "1234567890123456", "name": "alice"}"#;
        assert_eq!(get(text), None);
        put(text, &alice);
        assert_eq!(get(text), Some(alice.clone()));
        assert_eq!(get(&text.replace("alice", "bob")), None);
        let long = format!("{text}{}", " ".repeat(MAX_TEXT));
        put(&long, &alice);
        assert_eq!(get(&long), None);
        for i in 0..MAX_ENTRIES {
            put(&format!("{i}"), &alice);
        }
        assert!(PRINCIPALS.with(|cache| cache.borrow().len()) <= MAX_ENTRIES);
    }
}
