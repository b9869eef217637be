//! The policy layer: who may do what, and see which field categories in full, masked or not at
//! all. Default deny: a role holds exactly the actions and category grants listed for it.

use crate::ids::{TenantId, UserId};
use custos_api::catalog::Category;
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// Something a principal may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Create a customer.
    CustomerCreate,
    /// Read one customer by id.
    CustomerRead,
    /// List all customers page by page.
    CustomerList,
    /// Search customers.
    CustomerSearch,
    /// Update a customer.
    CustomerUpdate,
    /// Erase a customer (crypto-shredding).
    CustomerErase,
    /// Reveal a masked field with a stated reason.
    CustomerReveal,
    /// Read timeline records.
    RecordRead,
    /// Write timeline records.
    RecordCreate,
    /// Read the catalog.
    CatalogRead,
    /// Manage staff accounts.
    UserManage,
    /// Create and revoke API tokens.
    TokenManage,
    /// Read the audit trail.
    AuditRead,
    /// Change the business's security settings (e.g. require MFA).
    TenantManage,
    /// Register, list and revoke POS devices.
    DeviceManage,
    /// Define and delete custom roles.
    RoleManage,
    /// Open and keep the incident register (reading it needs `AuditRead`).
    IncidentManage,
    /// Export everything about a customer (art. 15/20).
    CustomerExport,
    /// Export a marketing audience (the consenting customers of a purpose and channel).
    MarketingAudience,
    /// Record and answer customers' data requests.
    DataRequestManage,
    /// Run retention sweeps and read their reports and aggregates.
    RetentionManage,
    /// Import a customer's export from another business (a move, art. 20), or a customer list.
    CustomerImport,
    /// Export the whole customer list (a move to another system, the business's portability).
    CustomerExportAll,
    /// Subscribe connected systems to events (webhooks).
    WebhookManage,
}

impl Action {
    /// Every action, in a stable order.
    pub const ALL: [Action; 24] = [
        Action::CustomerCreate,
        Action::CustomerRead,
        Action::CustomerList,
        Action::CustomerSearch,
        Action::CustomerUpdate,
        Action::CustomerErase,
        Action::CustomerReveal,
        Action::RecordRead,
        Action::RecordCreate,
        Action::CatalogRead,
        Action::UserManage,
        Action::TokenManage,
        Action::AuditRead,
        Action::TenantManage,
        Action::DeviceManage,
        Action::RoleManage,
        Action::IncidentManage,
        Action::CustomerExport,
        Action::MarketingAudience,
        Action::DataRequestManage,
        Action::RetentionManage,
        Action::CustomerImport,
        Action::CustomerExportAll,
        Action::WebhookManage,
    ];

    /// Parses an action's name.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The action's name as written in audit events.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CustomerCreate => "customer.create",
            Action::CustomerRead => "customer.read",
            Action::CustomerList => "customer.list",
            Action::CustomerSearch => "customer.search",
            Action::CustomerUpdate => "customer.update",
            Action::CustomerErase => "customer.erase",
            Action::CustomerReveal => "customer.reveal",
            Action::RecordRead => "record.read",
            Action::RecordCreate => "record.create",
            Action::CatalogRead => "catalog.read",
            Action::UserManage => "user.manage",
            Action::TokenManage => "token.manage",
            Action::AuditRead => "audit.read",
            Action::TenantManage => "tenant.manage",
            Action::DeviceManage => "device.manage",
            Action::RoleManage => "role.manage",
            Action::IncidentManage => "incident.manage",
            Action::CustomerExport => "customer.export",
            Action::MarketingAudience => "marketing.audience",
            Action::DataRequestManage => "data_request.manage",
            Action::RetentionManage => "retention.manage",
            Action::CustomerImport => "customer.import",
            Action::CustomerExportAll => "customer.export_all",
            Action::WebhookManage => "webhook.manage",
        }
    }
}

/// How much of a category a role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Not at all: never decrypted, never sent.
    None,
    /// Masked (`z•••@example.org`); writable, not readable in full.
    Masked,
    /// In full.
    Full,
}

impl Access {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::None => "none",
            Access::Masked => "masked",
            Access::Full => "full",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Access> {
        [Access::None, Access::Masked, Access::Full]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// A role: a name, its actions and its category grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The role name.
    pub name: String,
    /// Allowed actions.
    pub actions: Vec<Action>,
    /// Category grants; a category not listed is `Access::None`.
    pub categories: BTreeMap<Category, Access>,
}

/// The built-in role names.
pub const BUILTIN_ROLES: [&str; 7] = [
    "owner",
    "manager",
    "staff",
    "clinician",
    "marketing",
    "auditor",
    "device",
];

impl Role {
    /// A built-in role by name.
    pub fn builtin(name: &str) -> Option<Role> {
        use Access::*;
        use Action::*;
        use Category as C;
        let all_customer = [
            CustomerCreate,
            CustomerRead,
            CustomerList,
            CustomerSearch,
            CustomerUpdate,
            CustomerErase,
            RecordRead,
            RecordCreate,
            CustomerReveal,
        ];
        let front_desk = [
            CustomerCreate,
            CustomerRead,
            CustomerSearch,
            CustomerUpdate,
            RecordRead,
            RecordCreate,
            CustomerReveal,
        ];
        let everyday = |health: Access| {
            BTreeMap::from([
                (C::Identity, Full),
                (C::Contact, Full),
                (C::Address, Full),
                (C::Purchase, Full),
                (C::Appointment, Full),
                (C::Preference, Full),
                (C::Note, Full),
                (C::PaymentReference, Masked),
                (C::Health, health),
            ])
        };
        let (actions, categories): (Vec<Action>, BTreeMap<Category, Access>) = match name {
            "owner" => (
                [
                    &all_customer[..],
                    &[
                        CatalogRead,
                        UserManage,
                        TokenManage,
                        AuditRead,
                        TenantManage,
                        DeviceManage,
                        RoleManage,
                        IncidentManage,
                        CustomerExport,
                        MarketingAudience,
                        DataRequestManage,
                        RetentionManage,
                        CustomerImport,
                        CustomerExportAll,
                        WebhookManage,
                    ],
                ]
                .concat(),
                C::ALL.into_iter().map(|c| (c, Full)).collect(),
            ),
            "manager" => {
                let mut cats = everyday(None);
                cats.insert(C::PaymentReference, Full);
                (
                    [
                        &all_customer[..],
                        &[
                            CatalogRead,
                            UserManage,
                            TokenManage,
                            AuditRead,
                            DeviceManage,
                            IncidentManage,
                            CustomerExport,
                            MarketingAudience,
                            DataRequestManage,
                            RetentionManage,
                            CustomerImport,
                            WebhookManage,
                        ],
                    ]
                    .concat(),
                    cats,
                )
            }
            "staff" => ([&front_desk[..], &[CatalogRead]].concat(), everyday(None)),
            "clinician" => ([&front_desk[..], &[CatalogRead]].concat(), everyday(Full)),
            "marketing" => (vec![CatalogRead, MarketingAudience], BTreeMap::new()),
            "auditor" => (vec![CatalogRead, AuditRead], BTreeMap::new()),
            "device" => (
                vec![
                    CustomerCreate,
                    CustomerRead,
                    CustomerSearch,
                    CustomerUpdate,
                    RecordRead,
                    RecordCreate,
                ],
                BTreeMap::from([
                    (C::Identity, Full),
                    (C::Contact, Masked),
                    (C::Purchase, Full),
                    (C::Appointment, Full),
                    (C::Preference, Full),
                ]),
            ),
            _ => return Option::None,
        };
        let mut categories = categories;
        categories.retain(|_, a| *a != Access::None);
        Some(Role {
            name: name.to_owned(),
            actions,
            categories,
        })
    }

    /// Whether the role reads a customer whose processing is restricted (art. 18): the owner's
    /// alone.
    pub fn sees_restricted(&self) -> bool {
        self.name == "owner"
    }

    /// Whether the role may do `action`.
    pub fn may(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    /// Whether every action and category grant of this role is also held by `other`.
    pub fn within(&self, other: &Role) -> bool {
        self.actions.iter().all(|a| other.may(*a))
            && Category::ALL
                .iter()
                .all(|c| self.access(*c) <= other.access(*c))
    }

    /// How the role sees `category`.
    pub fn access(&self, category: Category) -> Access {
        self.categories
            .get(&category)
            .copied()
            .unwrap_or(Access::None)
    }
}

/// What kind of actor a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A staff user (session or login token).
    User,
    /// A POS or booking device.
    Device,
    /// An integration's API token.
    Token,
    /// The command line on the server itself.
    System,
    /// A customer in the privacy portal (their own data only).
    Customer,
}

impl ActorKind {
    /// The name used in audit events and `whoami`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Device => "device",
            ActorKind::Token => "token",
            ActorKind::System => "system",
            ActorKind::Customer => "customer",
        }
    }
}

/// An authenticated caller, with its tenant and role.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The tenant the principal belongs to; it sees nothing of any other.
    pub tenant_id: TenantId,
    /// The tenant's slug.
    pub tenant_slug: String,
    /// What kind of actor.
    pub kind: ActorKind,
    /// The user, device or token id.
    pub actor_id: Uuid,
    /// The user id, when the actor is (or acts for) a user.
    pub user_id: Option<UserId>,
    /// The username or device/token name.
    pub name: String,
    /// The role.
    pub role: Arc<Role>,
    /// The token id this principal authenticated with, if any (for logout).
    pub token_id: Option<crate::ids::TokenId>,
    /// The user must choose a new password before anything else.
    pub must_change_password: bool,
    /// The business requires MFA and the user has not set it up yet.
    pub mfa_enrolment_required: bool,
    /// The role comes from an active break-glass grant (every event says so).
    pub break_glass: bool,
}

impl Principal {
    /// The operator at the server's command line, acting for a business with the owner's
    /// rights (imports, sweeps); its events say `system`.
    pub fn command_line(tenant_id: TenantId, tenant_slug: &str) -> Principal {
        Principal {
            tenant_id,
            tenant_slug: tenant_slug.to_owned(),
            kind: ActorKind::System,
            actor_id: Uuid::nil(),
            user_id: None,
            name: "command line".into(),
            role: Arc::new(
                Role::builtin("owner").unwrap_or_else(|| unreachable!("owner is built in")),
            ),
            token_id: None,
            must_change_password: false,
            mfa_enrolment_required: false,
            break_glass: false,
        }
    }

    /// Refuses a principal that must change its password or set up MFA first.
    pub fn active(&self) -> Result<(), crate::CoreError> {
        self.may_set_up_mfa()?;
        if self.mfa_enrolment_required {
            return Err(crate::CoreError::MfaEnrolmentRequired);
        }
        Ok(())
    }

    /// Refuses a principal that must change its password first (MFA set-up is allowed
    /// before MFA is on).
    pub fn may_set_up_mfa(&self) -> Result<(), crate::CoreError> {
        if self.must_change_password {
            return Err(crate::CoreError::PasswordChangeRequired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_role_exists_and_unknown_is_none() {
        for r in BUILTIN_ROLES {
            assert_eq!(Role::builtin(r).unwrap().name, r);
        }
        assert!(Role::builtin("root").is_none());
    }

    #[test]
    fn health_only_for_owner_and_clinician() {
        for r in BUILTIN_ROLES {
            let role = Role::builtin(r).unwrap();
            let expect = matches!(r, "owner" | "clinician");
            assert_eq!(role.access(Category::Health) == Access::Full, expect, "{r}");
        }
    }

    #[test]
    fn marketing_and_auditor_never_read_profiles() {
        for r in ["marketing", "auditor"] {
            let role = Role::builtin(r).unwrap();
            assert!(!role.may(Action::CustomerRead));
            assert!(Category::ALL
                .iter()
                .all(|c| role.access(*c) == Access::None));
        }
    }

    #[test]
    fn within_orders_roles() {
        let owner = Role::builtin("owner").unwrap();
        for r in BUILTIN_ROLES {
            assert!(Role::builtin(r).unwrap().within(&owner), "{r} within owner");
        }
        let manager = Role::builtin("manager").unwrap();
        assert!(!owner.within(&manager));
        assert!(
            !Role::builtin("clinician").unwrap().within(&manager),
            "health is not the manager's to give"
        );
        assert!(Role::builtin("staff").unwrap().within(&manager));
    }

    #[test]
    fn staff_and_device_cannot_list_or_erase() {
        for r in ["staff", "device", "clinician"] {
            let role = Role::builtin(r).unwrap();
            assert!(!role.may(Action::CustomerList));
            assert!(!role.may(Action::CustomerErase));
            assert!(role.may(Action::CustomerSearch));
        }
        assert_eq!(
            Role::builtin("device").unwrap().access(Category::Contact),
            Access::Masked
        );
    }
}
