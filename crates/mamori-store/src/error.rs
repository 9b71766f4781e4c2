//! What can go wrong when reading or writing the store.

/// Errors from the store. Callers translate them for people; the variants carry enough to say
/// what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names a backend mamori does not support.
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The database could not be reached or a statement failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// First-run setup was attempted after it already ran.
    #[error("setup has already been completed")]
    AlreadySetUp,
    /// Input that breaks a rule; the variant says which, so it can be explained.
    #[error("invalid input: {0:?}")]
    Invalid(InvalidInput),
    /// Another user already signs in with this e-mail address.
    #[error("the e-mail address is already in use")]
    EmailTaken,
    /// The row does not exist, or the caller's scope does not include it.
    #[error("not found")]
    NotFound,
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("corrupt stored value in {column}: {reason}")]
    Corrupt {
        /// The column that held the value.
        column: &'static str,
        /// Why it could not be read.
        reason: String,
    },
    /// Password hashing failed (out of memory or a broken parameter set).
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl StoreError {
    /// Wraps a stored value that does not parse.
    pub(crate) fn corrupt(column: &'static str, reason: impl ToString) -> Self {
        StoreError::Corrupt {
            column,
            reason: reason.to_string(),
        }
    }

    /// Maps a unique-constraint violation on users' e-mail to [`StoreError::EmailTaken`].
    pub(crate) fn from_user_insert(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::EmailTaken,
            _ => StoreError::Database(e),
        }
    }
}

/// Which rule a piece of input broke. The web layer turns each into a sentence in the
/// caller's language (`error.invalid.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidInput {
    /// The e-mail address is not of the form `name@domain`.
    Email,
    /// The password is shorter than the minimum.
    PasswordTooShort,
    /// A required name was left empty.
    NameRequired,
    /// An owner or staff member must belong to an organisation that exists.
    RoleNeedsOrganisation,
    /// Provider staff (admin, analyst) do not belong to an organisation.
    ProviderRoleWithOrganisation,
    /// Another monitored source already uses this sender address or client certificate.
    SourceTaken,
    /// Another device of the inventory already stands for this monitored source.
    SourceDescribed,
    /// A comment, reason or title was left empty.
    TextRequired,
    /// The alert is already resolved; reopen it first.
    AlertResolved,
    /// Alerts are assigned to the provider's administrators and analysts only.
    AssigneeNotStaff,
    /// The notification channel's settings do not work (the caller says why).
    ChannelInvalid,
    /// A document must be approved before it is issued.
    NotApproved,
    /// The document is the same as its latest issued version.
    NothingToIssue,
    /// The policy must be issued before it is published.
    NotIssued,
    /// The public address part is not 3-40 lower-case letters, digits and hyphens.
    SlugInvalid,
    /// Another organisation already publishes at this address.
    SlugTaken,
    /// SECURITY ACTION has one star or two.
    StarsInvalid,
    /// A cursor continues a newest-first list only; work lists page by offset.
    CursorOrder,
    /// The consultation desk needs a name and a phone number or e-mail address.
    DeskIncomplete,
    /// A subject or message is longer than mamori keeps.
    TextTooLong,
}

impl InvalidInput {
    /// The stable code used in API errors and message catalogs.
    pub fn code(self) -> &'static str {
        match self {
            InvalidInput::Email => "email",
            InvalidInput::PasswordTooShort => "password_too_short",
            InvalidInput::NameRequired => "name_required",
            InvalidInput::RoleNeedsOrganisation => "role_needs_organisation",
            InvalidInput::ProviderRoleWithOrganisation => "provider_role_with_organisation",
            InvalidInput::SourceTaken => "source_taken",
            InvalidInput::SourceDescribed => "source_described",
            InvalidInput::TextRequired => "text_required",
            InvalidInput::TextTooLong => "text_too_long",
            InvalidInput::AlertResolved => "alert_resolved",
            InvalidInput::AssigneeNotStaff => "assignee_not_staff",
            InvalidInput::ChannelInvalid => "channel_invalid",
            InvalidInput::NotApproved => "not_approved",
            InvalidInput::NothingToIssue => "nothing_to_issue",
            InvalidInput::NotIssued => "not_issued",
            InvalidInput::SlugInvalid => "slug_invalid",
            InvalidInput::SlugTaken => "slug_taken",
            InvalidInput::StarsInvalid => "stars_invalid",
            InvalidInput::CursorOrder => "cursor_order",
            InvalidInput::DeskIncomplete => "desk_incomplete",
        }
    }
}
