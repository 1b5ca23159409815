//! Phonetic folding of one token.

/// Folds a token to its phonetic key.
pub fn phonetic(token: &str) -> String {
    token.to_owned()
}
