//! Sending habilitation codes through an SMTP relay (lettre).

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::{Error, Result};
use crate::secret::Code;

/// The SMTP relay.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The sender, e.g. `geocommun <no-reply@example.org>`.
    pub from: String,
    /// User name and password, when the relay asks for them.
    pub credentials: Option<(String, String)>,
    /// STARTTLS (required when `true`). `false` only for a relay on the same host or in
    /// tests: the code would cross the network in clear.
    pub tls: bool,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("credentials", &self.credentials.as_ref().map(|(u, _)| (u, "<redacted>")))
            .field("tls", &self.tls)
            .finish()
    }
}

/// Sends mail through the configured relay.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish_non_exhaustive()
    }
}

impl Mailer {
    pub fn new(config: &SmtpConfig) -> Result<Self> {
        let from = config
            .from
            .parse()
            .map_err(|e| Error::invalid("smtp from", format!("`{}`: {e}", config.from)))?;
        let mut builder = if config.tls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| Error::invalid("smtp host", e.to_string()))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
        };
        builder = builder.port(config.port);
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self { transport: builder.build(), from })
    }

    /// The editor's sign-in code, to every official address of the mairie at once.
    pub(crate) async fn send_editor_code(
        &self,
        to: &[String],
        commune_code: &str,
        commune_name: &str,
        code: &Code,
    ) -> Result<()> {
        let body = format!(
            "Bonjour,\n\n\
             Quelqu'un demande à modifier les adresses de la commune de {commune_name} \
             ({commune_code}) dans l'éditeur de la Base Adresse Locale.\n\n\
             Pour se connecter, il faut saisir ce code dans l'éditeur :\n\n\
             code: {}\n\n\
             Il est valable 24 heures. Ne le communiquez qu'à une personne qui travaille pour \
             la commune. Si personne à la mairie n'est à l'origine de cette demande, ignorez \
             ce message : sans le code, rien ne peut être modifié.\n",
            code.expose()
        );
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(format!(
                "Code de connexion à l'éditeur d'adresses — {commune_name} ({commune_code})"
            ))
            .header(ContentType::TEXT_PLAIN);
        for address in to {
            let mailbox = address
                .parse()
                .map_err(|e| Error::invalid("email", format!("`{address}`: {e}")))?;
            builder = builder.to(mailbox);
        }
        let message = builder.body(body).map_err(|e| Error::Mail(e.to_string()))?;
        self.transport.send(message).await.map_err(|e| Error::Mail(e.to_string()))?;
        Ok(())
    }

    /// The habilitation code mail.
    pub(crate) async fn send_code(
        &self,
        to: &str,
        commune_code: &str,
        commune_name: &str,
        client_name: &str,
        code: &Code,
    ) -> Result<()> {
        let to = to.parse().map_err(|e| Error::invalid("email", format!("`{to}`: {e}")))?;
        let body = format!(
            "Bonjour,\n\n\
             L'application « {client_name} » demande l'habilitation à publier la Base Adresse \
             Locale de la commune de {commune_name} ({commune_code}).\n\n\
             Si vous l'acceptez, communiquez-lui ce code :\n\n\
             code: {}\n\n\
             Il est valable 24 heures. Si vous n'êtes pas à l'origine de cette demande, \
             ignorez ce message.\n",
            code.expose()
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("Code d'habilitation pour {commune_name} ({commune_code})"))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| Error::Mail(e.to_string()))?;
        self.transport.send(message).await.map_err(|e| Error::Mail(e.to_string()))?;
        Ok(())
    }
}
