//! Query parsing: from the raw string to classified tokens, independent of any segment.

use geocommun_model::text;

use crate::limits::{QUERY_MAX_CHARS, QUERY_MAX_TOKENS};

/// What a query token may be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokKind {
    Word,
    /// A 5-digit postcode.
    Postcode,
    /// A house number candidate: 1–4 digits, optionally with a folded suffix (`12`, `12b`).
    Number {
        number: u32,
        suffix: Option<String>,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct QTok {
    pub text: String,
    pub kind: TokKind,
    /// The last token of the query (autocompleted when asked).
    pub last: bool,
    /// For the last token, the word as typed when normalisation changed it (`bou` became
    /// `boulevard`, but the user may be typing `boulogne`): also autocompleted.
    pub typed: Option<String>,
}

/// A query, cleaned and tokenised.
#[derive(Clone, Debug, Default)]
pub(crate) struct ParsedQuery {
    pub tokens: Vec<QTok>,
}

/// Why a query cannot be run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("the query is empty: give at least one word or number in `q`")]
    Empty,
    #[error("the query is {0} characters long; the maximum is {QUERY_MAX_CHARS}")]
    TooLong(usize),
}

pub(crate) fn classify(tok: &str) -> TokKind {
    let digits = tok.bytes().take_while(u8::is_ascii_digit).count();
    if digits == tok.len() {
        if digits == 5 {
            return TokKind::Postcode;
        }
        if (1..=4).contains(&digits) {
            return TokKind::Number { number: tok.parse().unwrap_or(0), suffix: None };
        }
        return TokKind::Word;
    }
    let rest = &tok[digits..];
    // Suffixes are letters, sometimes followed by a digit or two (Paris: `77p5`, `11s1`).
    let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    let suffix_like = (1..=3).contains(&letters)
        && rest.len() - letters <= 2
        && rest.bytes().skip(letters).all(|b| b.is_ascii_digit());
    if (1..=4).contains(&digits) && suffix_like {
        return TokKind::Number {
            number: tok[..digits].parse().unwrap_or(0),
            suffix: Some(text::fold_suffix(rest)),
        };
    }
    TokKind::Word
}

impl ParsedQuery {
    pub fn parse(q: &str) -> Result<Self, QueryError> {
        let chars = q.chars().count();
        if chars > QUERY_MAX_CHARS {
            return Err(QueryError::TooLong(chars));
        }
        let cleaned = text::clean_query(q);
        let mut toks = text::tokens(&cleaned);
        toks.truncate(QUERY_MAX_TOKENS);
        if toks.is_empty() {
            return Err(QueryError::Empty);
        }
        let n = toks.len();
        // The last word of the folded query, as typed: the last piece of the last word that
        // folds to something (`fold` of the whole query joins the folded words).
        let typed_last = cleaned
            .rsplit(' ')
            .map(text::fold)
            .find(|f| !f.is_empty())
            .map(|f| f.rsplit(' ').next().unwrap_or("").to_owned())
            .unwrap_or_default();
        let tokens = toks
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let last = i + 1 == n;
                let typed = (last
                    && !typed_last.is_empty()
                    && typed_last != t
                    && !t.starts_with(&typed_last))
                .then(|| typed_last.clone());
                QTok { kind: classify(&t), text: t, last, typed }
            })
            .collect();
        Ok(Self { tokens })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_tokens() {
        assert_eq!(classify("75001"), TokKind::Postcode);
        assert_eq!(classify("12"), TokKind::Number { number: 12, suffix: None });
        assert_eq!(classify("12b"), TokKind::Number { number: 12, suffix: Some("b".into()) });
        assert_eq!(classify("12bis"), TokKind::Number { number: 12, suffix: Some("b".into()) });
        assert_eq!(classify("rivoli"), TokKind::Word);
        assert_eq!(classify("123456"), TokKind::Word);
        assert_eq!(classify("a12"), TokKind::Word);
        assert_eq!(classify("77p5"), TokKind::Number { number: 77, suffix: Some("p5".into()) });
        assert_eq!(classify("12abcd"), TokKind::Word);
    }

    #[test]
    fn rejects_empty_and_long() {
        assert_eq!(ParsedQuery::parse("  ,; ").unwrap_err(), QueryError::Empty);
        assert!(matches!(ParsedQuery::parse(&"a".repeat(201)), Err(QueryError::TooLong(201))));
        let p = ParsedQuery::parse("12 rue de Rivoli").unwrap();
        assert_eq!(p.tokens.len(), 4);
        assert!(p.tokens[3].last);
    }
}
