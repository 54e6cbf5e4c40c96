//! Delivers the `outbound_emails` queue over SMTP (lettre): invitations,
//! notifications and reports, with a report attached when asked. A failed
//! delivery is retried with a growing delay, up to `MAX_ATTEMPTS`.

use crate::model::report::ReportFormat;
use crate::server::db::{outbound_emails, reports, scope};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use std::time::Duration;

pub const MAX_ATTEMPTS: i32 = 8;
const BATCH: i32 = 50;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("PRUDENTIA_SMTP_URL is not a valid SMTP address: {0}")]
    Url(String),
    #[error("PRUDENTIA_MAIL_FROM is not a valid sender: {0}")]
    From(String),
}

impl Mailer {
    pub fn new(url: &str, from: &str) -> Result<Mailer, MailerError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailerError::Url(e.to_string()))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailerError::From(e.to_string()))?;
        Ok(Mailer { transport, from })
    }

    /// Delivers what is due now; returns how many were sent.
    pub async fn deliver_due(&self, pool: &PgPool) -> Result<usize, sqlx::Error> {
        let due = {
            let mut conn = pool.acquire().await?;
            outbound_emails::due(&mut conn, BATCH, MAX_ATTEMPTS).await?
        };
        let mut sent = 0;
        for (tenant, id) in due {
            let mut tx = scope::begin(pool, tenant).await?;
            let Some(mail) = outbound_emails::claim(&mut tx, id).await? else {
                continue;
            };
            let attachment = match mail.report {
                Some(report) => {
                    let summary = reports::get(&mut tx, report).await?.map(|(s, _)| s);
                    let content = reports::content(&mut tx, report).await?;
                    summary.zip(content)
                }
                None => None,
            };
            match self.send(&mail, attachment).await {
                Ok(()) => {
                    outbound_emails::mark_sent(&mut tx, id).await?;
                    sent += 1;
                    tracing::info!(tenant = %tenant, mail = %id, "mail delivered");
                }
                Err(error) => {
                    let retry = 30i64 << mail.attempts.clamp(0, 10);
                    tracing::warn!(tenant = %tenant, mail = %id, attempt = mail.attempts + 1, %error, "mail delivery failed");
                    outbound_emails::mark_failed(&mut tx, id, &error, retry).await?;
                }
            }
            tx.commit().await?;
        }
        Ok(sent)
    }

    async fn send(
        &self,
        mail: &outbound_emails::Pending,
        attachment: Option<(crate::model::report::ReportSummary, Vec<u8>)>,
    ) -> Result<(), String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e: lettre::address::AddressError| e.to_string())?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone());
        let message = match attachment {
            None => builder.singlepart(SinglePart::plain(mail.body_text.clone())),
            Some((summary, bytes)) => {
                let kind = ContentType::parse(match summary.format {
                    ReportFormat::Pdf => "application/pdf",
                    ReportFormat::Xlsx => ReportFormat::Xlsx.mime(),
                })
                .map_err(|e| e.to_string())?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(mail.body_text.clone()))
                        .singlepart(Attachment::new(summary.file_name()).body(bytes, kind)),
                )
            }
        }
        .map_err(|e| e.to_string())?;
        self.deliver(message).await
    }

    /// Sends one message now, outside the queue: an alert to the operator
    /// (a backup that failed) must not depend on the database.
    pub async fn alert(&self, to: &Mailbox, subject: &str, body: String) -> Result<(), String> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.clone())
            .subject(subject)
            .singlepart(SinglePart::plain(body))
            .map_err(|e| e.to_string())?;
        self.deliver(message).await
    }

    async fn deliver(&self, message: Message) -> Result<(), String> {
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Delivers the queue every `every` until the task is aborted.
    pub fn spawn(self, pool: PgPool, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(error) = self.deliver_due(&pool).await {
                    tracing::error!(%error, "mail queue unavailable");
                }
            }
        })
    }
}
