//! Accounts, tenants and roles as both sides see them: identifiers, the role
//! and permission table, the forms with their validation, and what a page
//! knows of the signed-in user.

use super::error::{AppError, FieldErrors};
use email_address::EmailAddress;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;
pub const NAME_MAX: usize = 120;
pub const TENANT_NAME_MAX: usize = 120;
pub const TEAM_NAME_MAX: usize = 80;
const EMAIL_MAX: usize = 254;

id_type!(
    /// A tenant (an organisation). On the server it comes from the session
    /// only, never from request input.
    TenantId
);
id_type!(UserId);
id_type!(InvitationId);
id_type!(TeamId);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Analyst,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Analyst, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Analyst => "Analyst",
            Role::Viewer => "Viewer",
        }
    }

    /// The one permission table: pages hide what it refuses, and every
    /// server function and API route checks it.
    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::Read => true,
            Permission::EditData => matches!(self, Role::Admin | Role::Analyst),
            Permission::ManageMembers | Permission::ManageTeams | Permission::ManageTenant => {
                self == Role::Admin
            }
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| format!("\"{s}\" is not a role (admin, analyst or viewer)."))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// See the tenant's data.
    Read,
    /// Create and change simulations, scenarios, imports, reports.
    EditData,
    /// Invite, change roles, remove members.
    ManageMembers,
    ManageTeams,
    /// Quotas and tenant settings.
    ManageTenant,
}

/// One tenant the user belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantMembership {
    pub tenant_id: TenantId,
    pub tenant_name: String,
    pub role: Role,
}

/// The signed-in user as pages see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub tenant: TenantMembership,
    pub tenants: Vec<TenantMembership>,
}

impl Me {
    pub fn can(&self, permission: Permission) -> bool {
        self.tenant.role.allows(permission)
    }
}

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn check_email(errors: &mut FieldErrors, field: &str, email: &str) {
    if email.is_empty() {
        errors.push(field, "Please enter an e-mail address.");
    } else if email.len() > EMAIL_MAX || EmailAddress::from_str(email).is_err() {
        errors.push(
            field,
            "This does not look like an e-mail address (name@bank.com).",
        );
    }
}

fn check_name(errors: &mut FieldErrors, field: &str, name: &str, what: &str, max: usize) {
    if name.chars().count() < 2 {
        errors.push(field, format!("Please enter {what}."));
    } else if name.chars().count() > max {
        errors.push(field, format!("Please keep {what} under {max} characters."));
    }
}

/// Length rules; the server also refuses common passwords.
pub fn check_password(errors: &mut FieldErrors, field: &str, password: &str) {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        errors.push(
            field,
            format!("Use at least {PASSWORD_MIN} characters; a short sentence works well."),
        );
    } else if len > PASSWORD_MAX {
        errors.push(field, format!("Use at most {PASSWORD_MAX} characters."));
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpForm {
    pub organisation: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignUp {
    pub organisation: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

impl SignUpForm {
    pub fn parse(self) -> Result<SignUp, AppError> {
        let mut errors = FieldErrors::default();
        let organisation = self.organisation.trim().to_owned();
        let name = self.name.trim().to_owned();
        let email = normalise_email(&self.email);
        check_name(
            &mut errors,
            "organisation",
            &organisation,
            "your organisation's name",
            TENANT_NAME_MAX,
        );
        check_name(&mut errors, "name", &name, "your name", NAME_MAX);
        check_email(&mut errors, "email", &email);
        check_password(&mut errors, "password", &self.password);
        errors.into_result(SignUp {
            organisation,
            name,
            email,
            password: self.password,
        })
    }
}

/// Accepting an invitation as a new user: a name and a password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub password: String,
}

pub fn parse_new_account(name: &str, password: String) -> Result<NewAccount, AppError> {
    let mut errors = FieldErrors::default();
    let name = name.trim().to_owned();
    check_name(&mut errors, "name", &name, "your name", NAME_MAX);
    check_password(&mut errors, "password", &password);
    errors.into_result(NewAccount { name, password })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invite {
    pub email: String,
    pub role: Role,
}

pub fn parse_invite(email: &str, role: &str) -> Result<Invite, AppError> {
    let mut errors = FieldErrors::default();
    let email = normalise_email(email);
    check_email(&mut errors, "email", &email);
    let role = role
        .parse::<Role>()
        .map_err(|e| errors.push("role", e))
        .ok();
    match role {
        Some(role) if errors.is_empty() => Ok(Invite { email, role }),
        _ => Err(AppError::Validation(errors)),
    }
}

pub fn parse_team_name(name: &str) -> Result<String, AppError> {
    let name = name.trim().to_owned();
    let mut errors = FieldErrors::default();
    if name.is_empty() {
        errors.push("name", "Please name the team.");
    } else if name.chars().count() > TEAM_NAME_MAX {
        errors.push(
            "name",
            format!("Please keep the team name under {TEAM_NAME_MAX} characters."),
        );
    }
    errors.into_result(name)
}

/// A tenant's limits and what it uses; `None` is "no limit".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quotas {
    pub plan_name: String,
    pub members: Usage,
    pub simulations: Usage,
    pub storage_mb: Usage,
    pub api_calls_per_day: Usage,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub used: i64,
    pub limit: Option<i64>,
    /// The plan's limit, shown next to an override.
    pub plan_limit: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub teams: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub invitation_id: InvitationId,
    pub email: String,
    pub role: Role,
    pub expires_at: String,
}

/// What an admin sees right after inviting: the link to pass on until
/// e-mail delivery exists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationSent {
    pub email: String,
    pub link: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub team_id: TeamId,
    pub name: String,
    pub members: Vec<UserId>,
}

/// An invitation as its recipient sees it before accepting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub tenant_name: String,
    pub email: String,
    pub role: Role,
    /// The invited address already has an account: accepting asks for its
    /// password, not for a new one.
    pub existing_account: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_and_viewers_only_read() {
        use Permission::*;
        for p in [Read, EditData, ManageMembers, ManageTeams, ManageTenant] {
            assert!(Role::Admin.allows(p));
        }
        assert!(Role::Analyst.allows(EditData));
        assert!(!Role::Analyst.allows(ManageMembers));
        assert!(Role::Viewer.allows(Read));
        assert!(!Role::Viewer.allows(EditData));
    }

    #[test]
    fn sign_up_reports_every_problem_at_once() {
        let err = SignUpForm {
            organisation: "A".into(),
            name: "".into(),
            email: "nope".into(),
            password: "short".into(),
        }
        .parse()
        .expect_err("invalid");
        let fields = err.field_errors().expect("field errors");
        for f in ["organisation", "name", "email", "password"] {
            assert!(fields.for_field(f).is_some(), "{f}");
        }
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        let mut errors = FieldErrors::default();
        check_password(&mut errors, "p", "ééééééééééé");
        assert!(errors.for_field("p").is_some(), "11 characters are too few");
        let mut errors = FieldErrors::default();
        check_password(&mut errors, "p", "éééééééééééé");
        assert!(errors.is_empty(), "12 characters are enough");
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let s = SignUpForm {
            organisation: "Banque Alpha".into(),
            name: "Ana".into(),
            email: "  Ana@Alpha.EU ".into(),
            password: "correct horse battery".into(),
        }
        .parse()
        .expect("valid");
        assert_eq!(s.email, "ana@alpha.eu");
    }
}
