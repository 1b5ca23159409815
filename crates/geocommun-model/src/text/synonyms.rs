//! Abbreviations and synonyms (`bd` → `boulevard`), and the street-type vocabulary.
//!
//! The table is ours, written in the spirit of addok-fr's `resources/synonyms.txt` and of the
//! AFNOR abbreviations of the BAN (`etalab-ban-data-abbreviations.csv`). Every key maps to one
//! canonical spelling (possibly several words: `nd` → `notre dame`); canonical spellings are never
//! keys themselves, so expanding is idempotent and a label and a query always meet on the same
//! words whichever form each used.
//!
//! What is deliberately **not** expanded, because the same spelling is common as a real word or
//! name and merging it would hurt more than help:
//! * single letters except `r` (`c`, `d`, `l`, `a`… are elided articles and house-number suffixes);
//! * pure numbers (house numbers!) and Roman cardinals (`i`, `v`, `x`, `xiv`…);
//! * `col` (a mountain pass: "Route du Col"), `cap` (a headland: "Cap d'Agde"), `mar` (AFNOR's
//!   code for *marché*, and "sea" in Breton and Occitan names), `pres` (*prés*, meadows: "Rue des
//!   Prés"), `aven` (Pont-Aven, the karst avens), `car`, `pas` ("Pas-de-Calais"), `art`, `gr`
//!   (the GR hiking trails), `pt` (*pont*, *point* or *petit*), `vie` (the word, not *VIe*);
//! * plurals of canonical words (the phonetic key drops the final `s` anyway).
//!
//! Ordinals written with digits (`1er`, `2e`, `3ème`, `2nd`) are handled by the tokenizer, which
//! must tell them from house numbers (`3e rue` vs `le 3e régiment`); their canonical words
//! (`premier`, `deuxieme`… `vingtieme`) are the same the table uses for Roman ordinals (`iie`).

/// `(abbreviation, canonical words)`, sorted by key (checked by a test) for binary search.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("ach", &["ancien", "chemin"]),
    ("adj", &["adjudant"]),
    ("aer", &["aerodrome"]),
    ("afn", &["afrique", "du", "nord"]),
    ("agl", &["agglomeration"]),
    ("all", &["allee"]),
    ("anc", &["ancien"]),
    ("av", &["avenue"]),
    ("ave", &["avenue"]),
    ("avn", &["avenue"]),
    ("avr", &["avril"]),
    ("bcle", &["boucle"]),
    ("bd", &["boulevard"]),
    ("bld", &["boulevard"]),
    ("blvd", &["boulevard"]),
    ("bou", &["boulevard"]),
    ("boul", &["boulevard"]),
    ("bould", &["boulevard"]),
    ("brg", &["bourg"]),
    ("brtl", &["bretelle"]),
    ("bsn", &["bassin"]),
    ("bvd", &["boulevard"]),
    ("capt", &["capitaine"]),
    ("carr", &["carrefour"]),
    ("ccal", &["commercial"]),
    ("ccial", &["commercial"]),
    ("cd", &["chemin", "departemental"]),
    ("cdt", &["commandant"]),
    ("cf", &["chemin", "forestier"]),
    ("ch", &["chemin"]),
    ("che", &["chemin"]),
    ("chem", &["chemin"]),
    ("chev", &["chevalier"]),
    ("chl", &["chalet"]),
    ("chm", &["chemin"]),
    ("chp", &["champ"]),
    ("chps", &["champs"]),
    ("chs", &["chaussee"]),
    ("cht", &["chateau"]),
    ("cial", &["commercial"]),
    ("clr", &["couloir"]),
    ("cmdt", &["commandant"]),
    ("cne", &["capitaine"]),
    ("cpg", &["camping"]),
    ("cpt", &["capitaine"]),
    ("cr", &["chemin", "rural"]),
    ("crf", &["carrefour"]),
    ("crs", &["cours"]),
    ("crx", &["croix"]),
    ("ctre", &["centre"]),
    ("cv", &["chemin", "vicinal"]),
    ("dec", &["decembre"]),
    ("doct", &["docteur"]),
    ("dom", &["domaine"]),
    ("dr", &["docteur"]),
    ("dsc", &["descente"]),
    ("ecl", &["ecluse"]),
    ("embr", &["embranchement"]),
    ("enfts", &["enfants"]),
    ("esc", &["escalier"]),
    ("esp", &["esplanade"]),
    ("espa", &["espace"]),
    ("espl", &["esplanade"]),
    ("etng", &["etang"]),
    ("faub", &["faubourg"]),
    ("fbg", &["faubourg"]),
    ("fbourg", &["faubourg"]),
    ("fev", &["fevrier"]),
    ("fevr", &["fevrier"]),
    ("fg", &["faubourg"]),
    ("frm", &["ferme"]),
    ("gal", &["general"]),
    ("gbd", &["grand", "boulevard"]),
    ("gd", &["grand"]),
    ("gde", &["grande"]),
    ("gdes", &["grandes"]),
    ("gds", &["grands"]),
    ("gen", &["general"]),
    ("gl", &["general"]),
    ("gnl", &["general"]),
    ("gpl", &["grand", "place"]),
    ("grd", &["grand"]),
    ("grp", &["groupe"]),
    ("grpe", &["groupe"]),
    ("hab", &["habitation"]),
    ("ham", &["hameau"]),
    ("hle", &["halle"]),
    ("hlg", &["halage"]),
    ("ht", &["haut"]),
    ("hte", &["haute"]),
    ("htes", &["hautes"]),
    ("hts", &["hauts"]),
    ("ier", &["premier"]),
    ("iere", &["premier"]),
    ("iie", &["deuxieme"]),
    ("iieme", &["deuxieme"]),
    ("iiie", &["troisieme"]),
    ("iiieme", &["troisieme"]),
    ("imm", &["immeuble"]),
    ("imp", &["impasse"]),
    ("ive", &["quatrieme"]),
    ("iveme", &["quatrieme"]),
    ("ixe", &["neuvieme"]),
    ("ixeme", &["neuvieme"]),
    ("janv", &["janvier"]),
    ("jard", &["jardin"]),
    ("jte", &["jetee"]),
    ("juil", &["juillet"]),
    ("ld", &["lieu", "dit"]),
    ("lieudit", &["lieu", "dit"]),
    ("lieut", &["lieutenant"]),
    ("lnt", &["lieutenant"]),
    ("lot", &["lotissement"]),
    ("lotis", &["lotissement"]),
    ("lotiss", &["lotissement"]),
    ("lt", &["lieutenant"]),
    ("ltn", &["lieutenant"]),
    ("mal", &["marechal"]),
    ("mgr", &["monseigneur"]),
    ("ml", &["marechal"]),
    ("mlle", &["mademoiselle"]),
    ("mln", &["moulin"]),
    ("mme", &["madame"]),
    ("mqs", &["marquis"]),
    ("mqse", &["marquise"]),
    ("mrn", &["marina"]),
    ("msgr", &["monseigneur"]),
    ("mt", &["mont"]),
    ("mte", &["montee"]),
    ("nd", &["notre", "dame"]),
    ("neufieme", &["neuvieme"]),
    ("nov", &["novembre"]),
    ("nte", &["nouvelle", "route"]),
    ("nve", &["neuve"]),
    ("oct", &["octobre"]),
    ("pae", &["petite", "avenue"]),
    ("pass", &["passage"]),
    ("pch", &["petit", "chemin"]),
    ("pdt", &["president"]),
    ("pge", &["passage"]),
    ("pkg", &["parking"]),
    ("pl", &["place"]),
    ("plc", &["place"]),
    ("ple", &["passerelle"]),
    ("pln", &["plaine"]),
    ("plt", &["plateau"]),
    ("pnt", &["pointe"]),
    ("porq", &["portique"]),
    ("premiere", &["premier"]),
    ("presid", &["president"]),
    ("prof", &["professeur"]),
    ("prom", &["promenade"]),
    ("prv", &["parvis"]),
    ("pta", &["petite", "allee"]),
    ("pte", &["porte"]),
    ("ptr", &["petite", "rue"]),
    ("ptte", &["placette"]),
    ("pvr", &["parvis"]),
    ("qrt", &["quartier"]),
    ("qua", &["quartier"]),
    ("quart", &["quartier"]),
    ("r", &["rue"]),
    ("rav", &["ravin"]),
    ("rd", &["route", "departementale"]),
    ("rdl", &["raidillon"]),
    ("rdpt", &["rond", "point"]),
    ("regt", &["regiment"]),
    ("res", &["residence"]),
    ("resid", &["residence"]),
    ("rgt", &["regiment"]),
    ("rle", &["ruelle"]),
    ("rn", &["route", "nationale"]),
    ("rpe", &["rampe"]),
    ("rpt", &["rond", "point"]),
    ("rtd", &["rotonde"]),
    ("rte", &["route"]),
    ("ruet", &["ruette"]),
    ("ruis", &["ruisseau"]),
    ("rult", &["ruellette"]),
    ("rve", &["ravine"]),
    ("second", &["deuxieme"]),
    ("seconde", &["deuxieme"]),
    ("sent", &["sentier"]),
    ("sgt", &["sergent"]),
    ("sq", &["square"]),
    ("squ", &["square"]),
    ("ss", &["sous"]),
    ("st", &["saint"]),
    ("std", &["stade"]),
    ("stde", &["stade"]),
    ("ste", &["sainte"]),
    ("stes", &["saintes"]),
    ("sts", &["saints"]),
    ("tpl", &["terre", "plein"]),
    ("tra", &["traverse"]),
    ("trab", &["traboule"]),
    ("trav", &["traverse"]),
    ("trn", &["terrain"]),
    ("trt", &["tertre"]),
    ("tsse", &["terrasse"]),
    ("tun", &["tunnel"]),
    ("tunn", &["tunnel"]),
    ("vall", &["vallon"]),
    ("vc", &["voie", "communale"]),
    ("vch", &["vieux", "chemin"]),
    ("vche", &["vieux", "chemin"]),
    ("ve", &["cinquieme"]),
    ("veme", &["cinquieme"]),
    ("ven", &["venelle"]),
    ("vge", &["village"]),
    ("viad", &["viaduc"]),
    ("vieme", &["sixieme"]),
    ("viie", &["septieme"]),
    ("viieme", &["septieme"]),
    ("viiie", &["huitieme"]),
    ("viiieme", &["huitieme"]),
    ("vla", &["villa"]),
    ("vte", &["vieille", "route"]),
    ("vx", &["vieux"]),
    ("xe", &["dixieme"]),
    ("xeme", &["dixieme"]),
    ("xie", &["onzieme"]),
    ("xieme", &["onzieme"]),
    ("xiie", &["douzieme"]),
    ("xiieme", &["douzieme"]),
    ("xiiie", &["treizieme"]),
    ("xiiieme", &["treizieme"]),
    ("xive", &["quatorzieme"]),
    ("xiveme", &["quatorzieme"]),
    ("xixe", &["dix", "neuvieme"]),
    ("xixeme", &["dix", "neuvieme"]),
    ("xve", &["quinzieme"]),
    ("xveme", &["quinzieme"]),
    ("xvie", &["seizieme"]),
    ("xvieme", &["seizieme"]),
    ("xviie", &["dix", "septieme"]),
    ("xviieme", &["dix", "septieme"]),
    ("xviiie", &["dix", "huitieme"]),
    ("xviiieme", &["dix", "huitieme"]),
    ("xxe", &["vingtieme"]),
    ("xxeme", &["vingtieme"]),
    ("zi", &["zone", "industrielle"]),
];

/// The longest key of [`SYNONYMS`]: keys are packed into a `u64`, longer tokens skip the lookup.
const MAX_KEY_LEN: usize = 8;

/// A key of at most 8 bytes as a big-endian integer, zero-padded: for lowercase ASCII the integer
/// order is the string order, so [`PACKED_KEYS`] is sorted like [`SYNONYMS`].
const fn pack(key: &[u8]) -> u64 {
    let mut packed = 0u64;
    let mut i = 0;
    while i < MAX_KEY_LEN {
        packed <<= 8;
        if i < key.len() {
            packed |= key[i] as u64;
        }
        i += 1;
    }
    packed
}

/// The keys of [`SYNONYMS`], packed: one binary search over integers per token.
static PACKED_KEYS: [u64; SYNONYMS.len()] = {
    let mut packed = [0u64; SYNONYMS.len()];
    let mut i = 0;
    while i < SYNONYMS.len() {
        assert!(SYNONYMS[i].0.len() <= MAX_KEY_LEN, "synonym keys have at most 8 bytes");
        packed[i] = pack(SYNONYMS[i].0.as_bytes());
        i += 1;
    }
    packed
};

/// Canonical street-type words (folded), sorted (checked by a test). Abbreviations are street
/// types through their expansion, so the two can never disagree.
static STREET_TYPES: &[&str] = &[
    "allee",
    "allees",
    "autoroute",
    "avenue",
    "berge",
    "berges",
    "boucle",
    "boulevard",
    "bourg",
    "bretelle",
    "carrefour",
    "chaussee",
    "chemin",
    "cite",
    "clos",
    "corniche",
    "cote",
    "cour",
    "cours",
    "descente",
    "desserte",
    "digue",
    "domaine",
    "draille",
    "escalier",
    "esplanade",
    "etang",
    "faubourg",
    "galerie",
    "giratoire",
    "hameau",
    "ilot",
    "impasse",
    "jetee",
    "levee",
    "lieu",
    "lotissement",
    "mail",
    "mas",
    "montee",
    "parc",
    "parvis",
    "passage",
    "passerelle",
    "place",
    "placette",
    "pont",
    "port",
    "promenade",
    "quai",
    "quartier",
    "rampe",
    "residence",
    "rocade",
    "rond",
    "route",
    "rue",
    "ruelle",
    "ruette",
    "sente",
    "sentier",
    "square",
    "terrasse",
    "traverse",
    "venelle",
    "via",
    "villa",
    "village",
    "voie",
    "za",
    "zac",
    "zad",
    "zae",
    "zal",
    "zone",
    "zup",
];

/// The canonical words of one folded token, `None` when it has no expansion.
fn lookup(token: &str) -> Option<&'static [&'static str]> {
    if token.is_empty() || token.len() > MAX_KEY_LEN || !token.as_bytes()[0].is_ascii_lowercase() {
        return None;
    }
    let i = PACKED_KEYS.binary_search(&pack(token.as_bytes())).ok()?;
    // Zero padding makes `st` and `st\0` pack alike: confirm.
    (SYNONYMS[i].0 == token).then_some(SYNONYMS[i].1)
}

/// Pushes the expansion of one folded token into `out` (itself when it has none).
///
/// `bd` → `boulevard`, `nd` → `notre`, `dame`, `xxe` → `vingtieme`. Numbers, single letters other
/// than `r` and unknown words are pushed unchanged.
pub fn expand_synonyms(token: &str, out: &mut Vec<String>) {
    match lookup(token) {
        Some(words) => out.extend(words.iter().map(|w| (*w).to_owned())),
        None => out.push(token.to_owned()),
    }
}

/// `true` for a folded street-type word, full (`rue`, `avenue`, `rond` of *rond point*, `lieu` of
/// *lieu dit*, `za`…) or abbreviated (`r`, `av`, `bd`, `rpt`, `zi`…).
pub fn is_street_type(token: &str) -> bool {
    let canonical = |t: &str| STREET_TYPES.binary_search(&t).is_ok();
    canonical(token) || lookup(token).is_some_and(|words| canonical(words[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(t: &str) -> Vec<String> {
        let mut out = Vec::new();
        expand_synonyms(t, &mut out);
        out
    }

    #[test]
    fn tables_are_sorted_and_unique() {
        assert!(SYNONYMS.windows(2).all(|w| w[0].0 < w[1].0), "SYNONYMS must be sorted");
        assert!(PACKED_KEYS.windows(2).all(|w| w[0] < w[1]));
        assert!(STREET_TYPES.windows(2).all(|w| w[0] < w[1]), "STREET_TYPES must be sorted");
        assert_eq!(SYNONYMS.iter().map(|(k, _)| k.len()).max(), Some(MAX_KEY_LEN));
    }

    #[test]
    fn expansions_are_canonical() {
        for (key, words) in SYNONYMS {
            assert!(!words.is_empty(), "{key}");
            assert!(key.bytes().all(|b| b.is_ascii_lowercase()), "{key}");
            for w in *words {
                assert!(lookup(w).is_none(), "{key} → {w}: an expansion must not be a key");
                assert!(w.len() > 1 && w.bytes().all(|b| b.is_ascii_lowercase()), "{key} → {w}");
            }
        }
    }

    #[test]
    fn common_abbreviations() {
        let cases: &[(&str, &[&str])] = &[
            ("av", &["avenue"]),
            ("bd", &["boulevard"]),
            ("bld", &["boulevard"]),
            ("ch", &["chemin"]),
            ("imp", &["impasse"]),
            ("pl", &["place"]),
            ("rte", &["route"]),
            ("fbg", &["faubourg"]),
            ("st", &["saint"]),
            ("ste", &["sainte"]),
            ("nd", &["notre", "dame"]),
            ("gal", &["general"]),
            ("mal", &["marechal"]),
            ("pdt", &["president"]),
            ("dr", &["docteur"]),
            ("lt", &["lieutenant"]),
            ("cdt", &["commandant"]),
            ("mgr", &["monseigneur"]),
            ("r", &["rue"]),
            ("ier", &["premier"]),
            ("premiere", &["premier"]),
            ("xviiie", &["dix", "huitieme"]),
            ("zi", &["zone", "industrielle"]),
        ];
        for (token, expected) in cases {
            assert_eq!(expand(token), *expected, "{token}");
        }
    }

    #[test]
    fn words_left_alone() {
        for t in [
            "c",
            "d",
            "l",
            "a",
            "s",
            "y",
            "e",
            "v",
            "x",
            "i",
            "12",
            "3",
            "75001",
            "col",
            "cap",
            "mar",
            "pres",
            "aven",
            "pas",
            "vie",
            "rue",
            "avenue",
            "boulevard",
            "",
            "Bd",
            "anticonstitutionnellement",
            "st\0",
            "rondpoint",
        ] {
            assert_eq!(expand(t), [t], "{t}");
        }
    }

    #[test]
    fn street_types() {
        for t in [
            "rue",
            "avenue",
            "boulevard",
            "place",
            "impasse",
            "chemin",
            "route",
            "allee",
            "quai",
            "cours",
            "square",
            "passage",
            "sentier",
            "voie",
            "residence",
            "lotissement",
            "hameau",
            "lieu",
            "faubourg",
            "promenade",
            "esplanade",
            "rond",
            "villa",
            "cite",
            "cour",
            "parvis",
            "pont",
            "port",
            "montee",
            "cote",
            "mail",
            "ruelle",
            "venelle",
            "traverse",
            "carrefour",
            "chaussee",
            "clos",
            "domaine",
            "parc",
            "quartier",
            "zone",
            "za",
            "zi",
            "zac",
            "r",
            "av",
            "ave",
            "bd",
            "bld",
            "bvd",
            "boul",
            "ch",
            "chem",
            "imp",
            "pl",
            "rte",
            "fg",
            "fbg",
            "sq",
            "res",
            "lot",
            "ham",
            "qua",
            "prom",
            "pass",
            "all",
            "crs",
            "espl",
            "sent",
            "rpt",
            "ld",
            "vc",
            "rd",
            "cr",
        ] {
            assert!(is_street_type(t), "{t}");
        }
        for t in ["de", "la", "saint", "st", "general", "gal", "12", "b", "", "grande", "nd"] {
            assert!(!is_street_type(t), "{t}");
        }
    }
}
