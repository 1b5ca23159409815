//! Plain-language explanations of every code, in French and English: what is wrong and how
//! to fix it. The located details (line, column, value) are added by the report.

use crate::csv::ParseError;
use crate::schema::{Field, parse_regional};

/// Report language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

/// What is wrong, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub what: String,
    pub fix: String,
}

fn ex(lang: Lang, fr: (&str, &str), en: (&str, &str)) -> Explanation {
    let (what, fix) = if lang == Lang::Fr { fr } else { en };
    Explanation { what: what.to_owned(), fix: fix.to_owned() }
}

/// The explanation of `code` (any code the validator emits; unknown codes get a generic text).
pub fn explain(code: &str, lang: Lang) -> Explanation {
    let (head, rest) = code.split_once('.').unwrap_or((code, ""));
    match head {
        "field" => {
            let field = rest.split('.').next().unwrap_or_default();
            let fr_what = format!("La colonne « {field} » est absente de l’en-tête.");
            let en_what = format!("The column `{field}` is missing from the header.");
            let fr_fix = format!(
                "Ajoutez une colonne nommée exactement « {field} » (minuscules, sans espace ni accent), même vide si la valeur n’est pas connue."
            );
            let en_fix = format!(
                "Add a column named exactly `{field}` (lower case, no spaces or accents), empty if the value is unknown."
            );
            ex(lang, (&fr_what, &fr_fix), (&en_what, &en_fix))
        }
        "file" => match rest {
            "encoding.non_standard" => ex(
                lang,
                (
                    "Le fichier n’est pas encodé en UTF-8 (encodage détecté : Windows-1252/Latin-1).",
                    "Réenregistrez-le en « CSV UTF-8 » (ou lancez `geocommun fix`).",
                ),
                (
                    "The file is not UTF-8 (detected Windows-1252/Latin-1).",
                    "Save it again as \"CSV UTF-8\" (or run `geocommun fix`).",
                ),
            ),
            "delimiter.non_standard" => ex(
                lang,
                (
                    "Le séparateur de colonnes n’est pas le point-virgule.",
                    "Utilisez « ; » comme séparateur (ou lancez `geocommun fix`).",
                ),
                (
                    "The column separator is not a semicolon.",
                    "Use `;` as separator (or run `geocommun fix`).",
                ),
            ),
            _ => ex(
                lang,
                (
                    "Les fins de ligne sont au format Mac ancien (CR seul).",
                    "Enregistrez le fichier avec des fins de ligne LF ou CRLF (ou lancez `geocommun fix`).",
                ),
                (
                    "Line breaks are old-Mac style (CR only).",
                    "Save the file with LF or CRLF line breaks (or run `geocommun fix`).",
                ),
            ),
        },
        "rows" => match rest {
            "empty" => ex(
                lang,
                (
                    "Le fichier ne contient aucune ligne d’adresse.",
                    "Ajoutez au moins une adresse sous l’en-tête.",
                ),
                ("The file has no address row.", "Add at least one address below the header."),
            ),
            "multi_id_ban_commune" => ex(
                lang,
                (
                    "Plusieurs id_ban_commune différents dans un même fichier.",
                    "Un fichier BAL décrit une seule commune : gardez le même id_ban_commune sur toutes les lignes.",
                ),
                (
                    "Several different id_ban_commune in one file.",
                    "A BAL describes one commune: use the same id_ban_commune on every row.",
                ),
            ),
            _ => ex(
                lang,
                (
                    "Certaines lignes ont leurs identifiants BAN et d’autres non.",
                    "Renseignez id_ban_commune, id_ban_toponyme et id_ban_adresse sur toutes les lignes, ou sur aucune.",
                ),
                (
                    "Some rows carry BAN ids and others do not.",
                    "Fill id_ban_commune, id_ban_toponyme and id_ban_adresse on every row, or on none.",
                ),
            ),
        },
        "row" => explain_row(rest, lang),
        "editeur" => explain_editeur(rest, lang),
        column => explain_value(column, rest, lang),
    }
}

fn explain_row(code: &str, lang: Lang) -> Explanation {
    let (fr, en): ((&str, &str), (&str, &str)) = match code {
        "incoherence_numero" => (
            (
                "Le numéro de la clé d’interopérabilité ne correspond pas à la colonne numero.",
                "Corrigez la partie numéro de cle_interop (3e segment) ou la colonne numero pour qu’ils désignent le même numéro.",
            ),
            (
                "The number inside cle_interop differs from the numero column.",
                "Make the third part of cle_interop and the numero column the same number.",
            ),
        ),
        "commune_manquante" => (
            (
                "Aucun code commune utilisable sur la ligne (ni commune_insee, ni cle_interop valide).",
                "Renseignez commune_insee avec le code INSEE à 5 caractères de la commune.",
            ),
            (
                "No usable commune code on the row (neither commune_insee nor a valid cle_interop).",
                "Fill commune_insee with the commune's 5-character INSEE code.",
            ),
        ),
        "commune_nom_invalide" => (
            (
                "Le nom de commune ne correspond pas au nom officiel (COG) du code commune.",
                "Écrivez le nom exactement comme le COG (majuscules, accents, tirets), ou lancez `geocommun fix`.",
            ),
            (
                "commune_nom differs from the official (COG) name of the commune code.",
                "Write the name exactly as the COG does (case, accents, hyphens), or run `geocommun fix`.",
            ),
        ),
        "voie_nom_have_same_lieudit_complement_nom" => (
            (
                "Le nom de voie et le complément (lieudit_complement_nom) sont identiques, ou tous deux absents.",
                "Videz le complément s’il répète le nom de voie ; renseignez le nom de voie s’il manque.",
            ),
            (
                "The voie name and lieudit_complement_nom are the same, or both missing.",
                "Empty the complement when it repeats the voie name; fill the voie name when missing.",
            ),
        ),
        "position_manquante" => (
            (
                "Adresse numérotée sans type de position.",
                "Renseignez position (entrée, bâtiment, cage d’escalier, logement, service technique, délivrance postale, parcelle, segment).",
            ),
            (
                "Numbered address without a position type.",
                "Fill position (entrée, bâtiment, cage d’escalier, logement, service technique, délivrance postale, parcelle, segment).",
            ),
        ),
        "longlat_vides" => (
            (
                "Adresse numérotée sans coordonnées long/lat.",
                "Renseignez long et lat en degrés WGS 84 (point décimal).",
            ),
            (
                "Numbered address without long/lat.",
                "Fill long and lat in WGS 84 degrees (decimal point).",
            ),
        ),
        "longlat_invalides" => (
            (
                "Les coordonnées long/lat ne tombent dans aucun territoire français (ou manquent).",
                "Vérifiez que long et lat ne sont pas inversées et sont en degrés WGS 84, pas en Lambert-93.",
            ),
            (
                "long/lat fall in no French territory (or are missing).",
                "Check that long and lat are not swapped and are WGS 84 degrees, not Lambert-93.",
            ),
        ),
        "longlat_xy_incoherents" => (
            (
                "x/y sont à plus de 10 m du point long/lat projeté.",
                "Recalculez x/y depuis long/lat (projection légale du territoire) ou videz x et y.",
            ),
            (
                "x/y are more than 10 m away from the projected long/lat.",
                "Recompute x/y from long/lat (the territory's legal projection) or empty x and y.",
            ),
        ),
        "adresse_incomplete" => (
            (
                "L’adresse n’a pas de numéro valide ou pas de nom de voie.",
                "Renseignez numero (entier) et voie_nom (ou toponyme en 1.5).",
            ),
            (
                "The address has no valid number or no voie name.",
                "Fill numero (an integer) and voie_nom (or toponyme in 1.5).",
            ),
        ),
        "chef_lieu_invalide" => (
            (
                "La commune déléguée n’appartient pas à la commune indiquée.",
                "Vérifiez commune_deleguee_insee : ce doit être une ancienne commune rattachée à commune_insee.",
            ),
            (
                "The commune déléguée does not belong to the row's commune.",
                "Check commune_deleguee_insee: it must be a former commune merged into commune_insee.",
            ),
        ),
        "lack_of_id_ban" => (
            (
                "Identifiants BAN incomplets sur la ligne.",
                "Renseignez les trois id_ban_commune, id_ban_toponyme et id_ban_adresse (id_ban_adresse facultatif pour un lieu-dit 99999).",
            ),
            (
                "Incomplete BAN ids on the row.",
                "Fill all of id_ban_commune, id_ban_toponyme and id_ban_adresse (id_ban_adresse optional for a 99999 lieu-dit).",
            ),
        ),
        "cog_no_match_id_ban_commune" => (
            (
                "id_ban_commune ne correspond pas à l’identifiant BAN de la commune.",
                "Reprenez l’id_ban_commune donné par la BAN pour ce code INSEE.",
            ),
            (
                "id_ban_commune differs from the BAN id of the commune.",
                "Use the id_ban_commune the BAN gives for this INSEE code.",
            ),
        ),
        "different_voie_nom_with_same_id_ban_toponyme" => (
            (
                "Un même id_ban_toponyme porte plusieurs noms de voie.",
                "Une voie = un identifiant : harmonisez le nom ou corrigez l’identifiant.",
            ),
            (
                "One id_ban_toponyme carries several voie names.",
                "One voie, one id: harmonise the name or fix the id.",
            ),
        ),
        "different_id_ban_toponyme_with_same_voie_nom" => (
            (
                "Une même voie porte plusieurs id_ban_toponyme.",
                "Utilisez le même id_ban_toponyme pour toutes les lignes de la voie.",
            ),
            (
                "One voie carries several id_ban_toponyme.",
                "Use the same id_ban_toponyme on every row of the voie.",
            ),
        ),
        "different_adresse_with_same_id_ban_adresse" => (
            (
                "Un même id_ban_adresse est utilisé pour plusieurs adresses.",
                "Chaque adresse doit avoir son propre id_ban_adresse.",
            ),
            (
                "One id_ban_adresse is used by several addresses.",
                "Each address needs its own id_ban_adresse.",
            ),
        ),
        "different_id_ban_adresses_with_same_adresse" => (
            (
                "Une même adresse (numéro, suffixe, voie) a plusieurs id_ban_adresse.",
                "Gardez un seul id_ban_adresse par adresse (les autres positions reprennent le même).",
            ),
            (
                "One address (number, suffix, voie) has several id_ban_adresse.",
                "Keep one id_ban_adresse per address (its other positions reuse it).",
            ),
        ),
        "lieudit_complement_nom_not_declared" => (
            (
                "Le complément (lieudit_complement_nom) n’est déclaré par aucune ligne lieu-dit (numero 99999).",
                "Ajoutez une ligne numero 99999 dont voie_nom est exactement ce complément.",
            ),
            (
                "lieudit_complement_nom is not declared by any lieu-dit row (numero 99999).",
                "Add a numero 99999 row whose voie_nom is exactly this complement.",
            ),
        ),
        _ => (
            ("Problème sur la ligne.", "Voir la documentation BAL."),
            ("Row problem.", "See the BAL documentation."),
        ),
    };
    ex(lang, fr, en)
}

/// The editor's own rules (`editeur.*`): what the validator cannot see in one row.
fn explain_editeur(code: &str, lang: Lang) -> Explanation {
    let (fr, en): ((&str, &str), (&str, &str)) = match code {
        "voie_existante" => (
            (
                "Une voie ou un lieu-dit porte déjà ce nom (aux accents, majuscules et ponctuation près).",
                "Choisissez un autre nom, ou fusionnez les deux voies si c’est la même.",
            ),
            (
                "A voie or lieu-dit already has this name (ignoring accents, case and punctuation).",
                "Choose another name, or merge the two voies if they are the same.",
            ),
        ),
        "numero_existant" => (
            (
                "Ce numéro (avec ce suffixe) existe déjà sur la voie.",
                "Modifiez le numéro existant, ou choisissez un autre suffixe (bis, ter, a…).",
            ),
            (
                "This number (with this suffix) already exists on the voie.",
                "Edit the existing number, or choose another suffix (bis, ter, a…).",
            ),
        ),
        "numero_lieu_dit" => (
            (
                "Le numéro 99999 est réservé aux lieux-dits sans numéro.",
                "Ajoutez un lieu-dit (toponyme) plutôt qu’un numéro, ou donnez le vrai numéro.",
            ),
            (
                "Number 99999 is reserved for lieux-dits without a number.",
                "Add a lieu-dit (toponyme) instead of a number, or give the real number.",
            ),
        ),
        "numero_sur_lieu_dit" => (
            (
                "Un lieu-dit (toponyme) ne porte pas de numéros.",
                "Ajoutez le numéro à une voie ; créez la voie si elle n’existe pas.",
            ),
            (
                "A lieu-dit (toponyme) carries no numbers.",
                "Add the number to a voie; create the voie if it does not exist.",
            ),
        ),
        "positions_trop_nombreuses" => (
            ("Trop de positions pour un seul numéro.", "Gardez au plus 20 positions par numéro."),
            ("Too many positions for one number.", "Keep at most 20 positions per number."),
        ),
        "modification_vide" => (
            (
                "La modification ne change rien.",
                "Donnez au moins un de numero, suffixe, voie, positions ou certifie.",
            ),
            (
                "The update changes nothing.",
                "Give at least one of numero, suffixe, voie, positions or certifie.",
            ),
        ),
        "fusion_meme_voie" => (
            (
                "Une voie ne peut pas être fusionnée avec elle-même.",
                "Choisissez deux voies différentes.",
            ),
            ("A voie cannot be merged with itself.", "Choose two different voies."),
        ),
        "fusion_types_differents" => (
            (
                "Une voie ne se fusionne qu’avec une voie, un lieu-dit qu’avec un lieu-dit.",
                "Choisissez deux voies, ou deux lieux-dits.",
            ),
            (
                "A voie merges only with a voie, a lieu-dit only with a lieu-dit.",
                "Choose two voies, or two lieux-dits.",
            ),
        ),
        "fusion_numeros_en_double" => (
            (
                "Ces numéros existent sur les deux voies : la fusion les mettrait en double.",
                "Supprimez ou renumérotez-les sur l’une des voies, puis fusionnez.",
            ),
            (
                "These numbers exist on both voies: merging would duplicate them.",
                "Delete or renumber them on one of the voies, then merge.",
            ),
        ),
        _ => (
            ("Opération refusée par l’éditeur.", "Voir la documentation de l’éditeur."),
            ("Operation refused by the editor.", "See the editor's documentation."),
        ),
    };
    ex(lang, fr, en)
}

#[allow(clippy::many_single_char_names)]
fn explain_value(column: &str, problem: &str, lang: Lang) -> Explanation {
    let field = Field::from_name(column).or_else(|| parse_regional(column).map(|(f, _)| f));
    let f = column;
    let (fr_what, fr_fix, en_what, en_fix): (String, String, String, String) = match (field, problem) {
        (_, "espaces_debut_fin") => (
            format!("La valeur de {f} commence ou finit par des espaces."),
            "Supprimez les espaces en début et fin de cellule (ou lancez `geocommun fix`).".into(),
            format!("The {f} value starts or ends with white space."),
            "Remove the leading/trailing spaces (or run `geocommun fix`).".into(),
        ),
        (_, "valeur_manquante") => (
            format!("La colonne {f} est obligatoire mais la cellule est vide."),
            format!("Renseignez {f} sur cette ligne."),
            format!("{f} is required but the cell is empty."),
            format!("Fill {f} on this row."),
        ),
        (Some(Field::CleInterop), p) => {
            let (a, b, c, d) = match p {
                "casse_invalide" => ("La clé d’interopérabilité contient des majuscules.", "Écrivez-la en minuscules (ou lancez `geocommun fix`).", "The key has upper-case letters.", "Write it in lower case (or run `geocommun fix`)."),
                "structure_invalide" => ("La clé n’a pas la forme commune_voie_numero.", "Écrivez INSEE_VOIE_NUMERO[_suffixe], ex. 71346_0090_00001.", "The key is not commune_voie_numero.", "Write INSEE_VOIE_NUMBER[_suffix], e.g. 71346_0090_00001."),
                "commune_invalide" => ("Le code commune de la clé est inconnu du COG.", "Mettez le code INSEE actuel de la commune en 1re partie.", "The commune part of the key is unknown to the COG.", "Put the commune's current INSEE code first."),
                "commune_ancienne" => ("Le code commune de la clé est celui d’une ancienne commune.", "Utilisez le code de la commune actuelle.", "The commune part is a former commune.", "Use the current commune's code."),
                "voie_invalide" => ("La partie voie de la clé ne fait pas 4 caractères.", "Utilisez le code FANTOIR de la voie sur 4 caractères.", "The voie part of the key is not 4 characters.", "Use the 4-character FANTOIR voie code."),
                "voie_non_renseignee" => ("La partie voie de la clé est vide (xxxx ou 0000).", "Renseignez le code FANTOIR de la voie si vous le connaissez.", "The voie part is a placeholder (xxxx or 0000).", "Fill the FANTOIR voie code when known."),
                "numero_invalide" => ("La partie numéro de la clé n’est pas un nombre.", "Écrivez le numéro sur 5 chiffres, ex. 00012.", "The number part of the key is not a number.", "Write the number on 5 digits, e.g. 00012."),
                _ => ("La partie numéro de la clé ne fait pas 5 chiffres.", "Complétez avec des zéros à gauche, ex. 12 → 00012.", "The number part of the key is not 5 digits.", "Pad it with zeros, e.g. 12 → 00012."),
            };
            (a.into(), b.into(), c.into(), d.into())
        }
        (Some(Field::UidAdresse | Field::IdBanCommune | Field::IdBanToponyme | Field::IdBanAdresse), _) => (
            format!("{f} n’est pas un UUID v4 valide."),
            "Reprenez l’identifiant BAN tel quel (8-4-4-4-12 caractères hexadécimaux, version 4) ou videz la cellule.".into(),
            format!("{f} is not a valid UUID v4."),
            "Copy the BAN id as it is (8-4-4-4-12 hex digits, version 4) or empty the cell.".into(),
        ),
        (Some(_), "trop_court") => (format!("{f} fait moins de 3 caractères."), "Écrivez le nom complet de la voie.".into(), format!("{f} is shorter than 3 characters."), "Write the full voie name.".into()),
        (Some(_), "trop_long") if field == Some(Field::Suffixe) => ("Le suffixe fait plus de 9 caractères.".into(), "Utilisez un suffixe court : bis, ter, a, b…".into(), "The suffix is longer than 9 characters.".into(), "Use a short suffix: bis, ter, a, b…".into()),
        (Some(_), "trop_long") => (format!("{f} fait plus de 200 caractères."), "Raccourcissez le nom.".into(), format!("{f} is longer than 200 characters."), "Shorten the name.".into()),
        (Some(_), "caractere_invalide") => (format!("{f} contient des caractères non valides (souvent un problème d’encodage)."), "Réenregistrez le fichier en UTF-8 et corrigez les caractères remplacés par « � ».".into(), format!("{f} has invalid characters (often an encoding problem)."), "Save the file as UTF-8 and fix the characters shown as `�`.".into()),
        (Some(_), "contient_tiret_bas") => (format!("{f} contient des tirets bas « _ »."), "Remplacez les « _ » par des espaces.".into(), format!("{f} contains underscores."), "Replace `_` by spaces.".into()),
        (Some(Field::CommuneNom), "casse_incorrecte") => ("Le nom de commune est tout en minuscules ou tout en majuscules.".into(), "Écrivez-le comme le COG, ex. « Perrecy-les-Forges ».".into(), "The commune name is all lower or all upper case.".into(), "Write it as the COG does, e.g. `Perrecy-les-Forges`.".into()),
        (Some(_), "casse_incorrecte") => (format!("{f} est écrit tout en majuscules."), "Écrivez les noms en minuscules accentuées avec majuscules initiales, ex. « Rue de l’Église ».".into(), format!("{f} is all upper case."), "Use mixed case with accents, e.g. `Rue de l’Église`.".into()),
        (Some(Field::Numero), "type_invalide") => ("Le numéro n’est pas un entier.".into(), "Écrivez seulement des chiffres ; le suffixe (bis, ter…) va dans la colonne suffixe.".into(), "The number is not an integer.".into(), "Digits only; the suffix (bis, ter…) goes in the suffixe column.".into()),
        (Some(_), "trop_grand") => ("Le numéro dépasse 99999.".into(), "Vérifiez le numéro (99999 est réservé aux lieux-dits).".into(), "The number is greater than 99999.".into(), "Check the number (99999 is reserved for lieux-dits).".into()),
        (Some(_), "not_to_be_zero") => ("Le numéro vaut 0.".into(), "Utilisez le vrai numéro, ou 99999 pour un lieu-dit sans numéro.".into(), "The number is 0.".into(), "Use the real number, or 99999 for a lieu-dit without number.".into()),
        (Some(_), "contient_prefixe") => ("Le numéro commence par des zéros.".into(), "Supprimez les zéros à gauche (007 → 7).".into(), "The number has leading zeros.".into(), "Remove them (007 → 7).".into()),
        (Some(_), "debut_invalide") => ("Le suffixe ne commence pas par une lettre ou un chiffre.".into(), "Supprimez la ponctuation en tête (ex. « -bis » → « bis »).".into(), "The suffix does not start with a letter or digit.".into(), "Remove the leading punctuation (`-bis` → `bis`).".into()),
        (Some(Field::Position), "enum_fuzzy") => ("Type de position reconnu mais mal orthographié.".into(), "Écrivez-le exactement : entrée, bâtiment, cage d’escalier, logement, service technique, délivrance postale, parcelle, segment (ou lancez `geocommun fix`).".into(), "Position type recognised but misspelled.".into(), "Write it exactly: entrée, bâtiment, cage d’escalier, logement, service technique, délivrance postale, parcelle, segment (or run `geocommun fix`).".into()),
        (Some(Field::Position), _) => ("Type de position inconnu.".into(), "Utilisez une des 8 valeurs : entrée, bâtiment, cage d’escalier, logement, service technique, délivrance postale, parcelle, segment.".into(), "Unknown position type.".into(), "Use one of: entrée, bâtiment, cage d’escalier, logement, service technique, délivrance postale, parcelle, segment.".into()),
        (Some(_), "separateur_decimal_invalide") => (format!("{f} utilise une virgule décimale."), "Utilisez le point décimal (ou lancez `geocommun fix`).".into(), format!("{f} uses a decimal comma."), "Use a decimal point (or run `geocommun fix`).".into()),
        (Some(Field::CommuneInsee | Field::CommuneDelegueeInsee), "commune_invalide") => (format!("{f} n’est pas un code commune connu du COG 2026."), "Utilisez le code INSEE actuel à 5 caractères (arrondissement pour Paris, Lyon, Marseille).".into(), format!("{f} is not a commune code of the 2026 COG."), "Use the current 5-character INSEE code (the arrondissement for Paris, Lyon, Marseille).".into()),
        (Some(_), "commune_ancienne") => (format!("{f} est le code d’une ancienne commune."), "Utilisez le code de la commune actuelle ; l’ancienne va dans commune_deleguee_insee.".into(), format!("{f} is a former commune's code."), "Use the current commune's code; the former one goes in commune_deleguee_insee.".into()),
        (Some(Field::CadParcelles), "pipe_debut_fin") => ("La liste de parcelles commence ou finit par « | ».".into(), "Supprimez les « | » en début et fin.".into(), "The parcel list starts or ends with `|`.".into(), "Remove the leading/trailing `|`.".into()),
        (Some(Field::CadParcelles), _) => ("Identifiant de parcelle invalide (14 ou 15 caractères attendus, séparés par « | »).".into(), "Écrivez les parcelles au format 71346000AI0188, séparées par « | ».".into(), "Invalid parcel id (14 or 15 characters expected, `|`-separated).".into(), "Write parcels like 71346000AI0188, separated by `|`.".into()),
        (Some(_), "date_invalide") => ("La date n’est pas au format AAAA-MM-JJ ou n’existe pas.".into(), "Écrivez la date comme 2024-03-15 (ou lancez `geocommun fix` pour convertir 15/03/2024).".into(), "The date is not YYYY-MM-DD or does not exist.".into(), "Write it like 2024-03-15 (or run `geocommun fix` to convert 15/03/2024).".into()),
        (Some(_), "date_ancienne") => ("La date est antérieure au 1er janvier 2010.".into(), "Vérifiez la date de dernière mise à jour.".into(), "The date is before 2010-01-01.".into(), "Check the last-update date.".into()),
        (Some(_), "date_future") => ("La date est dans le futur.".into(), "Mettez la date réelle de la dernière mise à jour.".into(), "The date is in the future.".into(), "Use the real date of the last update.".into()),
        (Some(_), "valeur_invalide") => (format!("La valeur de {f} est incorrecte."), match field {
            Some(Field::CertificationCommune) => "Écrivez 1 (certifiée) ou 0.".into(),
            Some(Field::X | Field::Y | Field::Long | Field::Lat) => "Écrivez un nombre décimal avec un point, sans exposant ni zéro initial (ex. 4.2155280).".into(),
            _ => format!("Corrigez {f}."),
        }, format!("The {f} value is invalid."), match field {
            Some(Field::CertificationCommune) => "Write 1 (certified) or 0.".into(),
            Some(Field::X | Field::Y | Field::Long | Field::Lat) => "Write a decimal number with a point, no exponent or leading zero (e.g. 4.2155280).".into(),
            _ => format!("Fix {f}."),
        }),
        _ => (format!("Problème « {problem} » sur {f}."), "Voir la spécification BAL.".into(), format!("Problem `{problem}` on {f}."), "See the BAL specification.".into()),
    };
    if lang == Lang::Fr {
        Explanation { what: fr_what, fix: fr_fix }
    } else {
        Explanation { what: en_what, fix: en_fix }
    }
}

/// A CSV parse error explained.
pub fn parse_error(e: &ParseError, lang: Lang) -> String {
    let row = e.row.map(|r| r.to_string()).unwrap_or_default();
    match (e.code, lang) {
        ("UndetectableDelimiter", Lang::Fr) => "séparateur introuvable (ni « ; », ni « , », ni tabulation, ou une seule colonne) : utilisez « ; ».".into(),
        ("UndetectableDelimiter", Lang::En) => "no separator found (neither `;`, `,` nor TAB, or a single column): use `;`.".into(),
        ("TooFewFields", Lang::Fr) => format!("enregistrement {row} : moins de colonnes que l’en-tête ; ajoutez les « ; » manquants."),
        ("TooFewFields", Lang::En) => format!("record {row}: fewer fields than the header; add the missing `;`."),
        ("TooManyFields", Lang::Fr) => format!("enregistrement {row} : plus de colonnes que l’en-tête ; un « ; » de trop ou une valeur à mettre entre guillemets."),
        ("TooManyFields", Lang::En) => format!("record {row}: more fields than the header; a stray `;` or a value to quote."),
        ("MissingQuotes", Lang::Fr) => format!("ligne brute {row} : guillemet ouvrant jamais refermé ; fermez-le ou doublez les guillemets internes (\"\")."),
        ("MissingQuotes", Lang::En) => format!("raw row {row}: an opening quote is never closed; close it or double inner quotes (\"\")."),
        ("InvalidQuotes", Lang::Fr) => format!("ligne brute {row} : guillemet mal placé (non bloquant)."),
        ("InvalidQuotes", Lang::En) => format!("raw row {row}: misplaced quote (not fatal)."),
        ("RecordTooLong", Lang::Fr) => format!("ligne brute {row} : enregistrement de plus de 256 Mio (fichier sans fin de ligne ou guillemet non fermé)."),
        ("RecordTooLong", Lang::En) => format!("raw row {row}: record longer than 256 MiB (no line breaks, or an unclosed quote)."),
        (code, _) => format!("{code} {row}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_code_has_a_specific_text() {
        for code in [
            "field.voie_nom.missing",
            "file.encoding.non_standard",
            "rows.empty",
            "row.adresse_incomplete",
            "numero.contient_prefixe",
            "voie_nom_bre.trop_court",
            "cle_interop.structure_invalide",
        ] {
            let e = explain(code, Lang::Fr);
            assert!(!e.what.starts_with("Problème"), "{code}: {e:?}");
            assert!(!explain(code, Lang::En).fix.is_empty());
        }
    }
}
