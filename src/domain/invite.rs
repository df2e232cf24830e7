//! Invite links: who may invite whom, and for how long a link stays valid.

use chrono::Duration;

use super::Role;

/// How long a new invite may stay valid, as offered on the form: (days, label).
pub const EXPIRY_CHOICES: [(i64, &str); 4] = [
    (1, "1 day"),
    (7, "7 days"),
    (30, "30 days"),
    (90, "90 days"),
];
/// The choice preselected on the form.
pub const DEFAULT_EXPIRY_DAYS: i64 = 7;
/// The role of an account registered without an invite (open with approval): it writes
/// drafts for review until an administrator gives it more.
pub const SELF_REGISTERED_ROLE: Role = Role::Contributor;

/// Whether someone with role `inviter` may invite people as `role`: administrators any role,
/// editors authors and contributors, nobody else.
pub fn may_invite(inviter: Role, role: Role) -> bool {
    match inviter {
        Role::Admin => true,
        Role::Editor => matches!(role, Role::Author | Role::Contributor),
        Role::Author | Role::Contributor => false,
    }
}

/// The roles `inviter` may give, most powerful first.
pub fn invitable_roles(inviter: Role) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| may_invite(inviter, *r))
        .collect()
}

/// The validity of a new invite: one of [`EXPIRY_CHOICES`].
pub fn expiry(days: i64) -> Option<Duration> {
    EXPIRY_CHOICES
        .iter()
        .find(|(d, _)| *d == days)
        .map(|(d, _)| Duration::days(*d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editors_invite_up_to_authors_and_admins_anyone() {
        assert_eq!(invitable_roles(Role::Admin), Role::ALL.to_vec());
        assert_eq!(
            invitable_roles(Role::Editor),
            vec![Role::Author, Role::Contributor]
        );
        assert!(invitable_roles(Role::Author).is_empty());
        assert!(invitable_roles(Role::Contributor).is_empty());
    }

    #[test]
    fn only_offered_expiries_are_accepted() {
        assert_eq!(expiry(7), Some(Duration::days(7)));
        assert_eq!(expiry(3650), None);
        assert_eq!(expiry(0), None);
    }
}
