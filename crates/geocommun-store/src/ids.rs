//! Identifiers of clients, habilitations and revisions: UUID v4, stored as text.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            pub(crate) fn new() -> Self {
                Self(uuid::Uuid::new_v4())
            }

            pub(crate) fn parse_stored(s: &str) -> crate::Result<Self> {
                uuid::Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|_| crate::Error::Corrupt(format!("{} id `{s}`", $what)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;

            fn from_str(s: &str) -> crate::Result<Self> {
                uuid::Uuid::try_parse(s.trim()).map(Self).map_err(|_| {
                    crate::Error::invalid($what, format!("`{s}` is not an id (a UUID)"))
                })
            }
        }
    };
}

id_type!(
    /// A client (an application acting for communes).
    ClientId,
    "client"
);
id_type!(
    /// A habilitation of a client for a commune.
    HabilitationId,
    "habilitation"
);
id_type!(
    /// A revision: one BAL file for one commune.
    RevisionId,
    "revision"
);
id_type!(
    /// A session of the editor: a person of a mairie signed in for its commune.
    SessionId,
    "editor session"
);
id_type!(
    /// A draft of the editor: a commune's BAL being edited.
    DraftId,
    "draft"
);
