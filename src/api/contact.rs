use crate::model::contact::ContactAck;
use crate::model::error::AppError;
use leptos::prelude::*;

/// Stores a visitor's contact request. `website` is the honeypot field.
#[server(prefix = "/api", endpoint = "contact")]
pub async fn submit_contact(
    name: String,
    email: String,
    organisation: String,
    message: String,
    website: String,
) -> Result<ContactAck, AppError> {
    use crate::model::contact::ContactForm;
    use crate::server::{contact, http::ClientInfo, state::app_state};
    let result = async {
        let state = app_state()?;
        let client = ClientInfo::current();
        let form = ContactForm {
            name,
            email,
            organisation,
            message,
            website,
        };
        contact::submit(&state.pool, &state.contact_limiter, &client, form).await
    }
    .await;
    super::reply(result)
}
