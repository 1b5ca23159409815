//! Abbreviations and synonyms (`bd` → `boulevard`).

/// Pushes the expansion of one folded token into `out` (itself when it has none).
pub fn expand_synonyms(token: &str, out: &mut Vec<String>) {
    let expansion: &[&str] = match token {
        "bd" | "bld" | "bvd" | "boul" | "bou" | "bould" => &["boulevard"],
        "av" | "ave" | "aven" | "avn" => &["avenue"],
        "st" => &["saint"],
        "ste" => &["sainte"],
        "r" => &["rue"],
        "pl" => &["place"],
        "imp" => &["impasse"],
        "ch" | "che" | "chem" => &["chemin"],
        "rte" => &["route"],
        "all" => &["allee"],
        _ => &[],
    };
    if expansion.is_empty() {
        out.push(token.to_owned());
    } else {
        out.extend(expansion.iter().map(|s| (*s).to_owned()));
    }
}

/// `true` for a folded street-type word (`rue`, `avenue`, `bd`…).
pub fn is_street_type(token: &str) -> bool {
    matches!(
        token,
        "rue" | "avenue" | "boulevard" | "place" | "impasse" | "chemin" | "route" | "allee" | "quai"
    )
}
