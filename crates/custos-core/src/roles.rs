//! Roles: the built-in ones and custom roles a business defines from the same actions and
//! category grants. A custom role never holds more than the person defining it; health data is
//! granted only by naming the `health` category explicitly. Roles are resolved on every request,
//! so a change applies at once.

use crate::audit::{AuditEvent, RequestMeta};
use crate::catalog::Category;
use crate::error::CoreError;
use crate::ids::TenantId;
use crate::policy::{Access, Action, Principal, Role, BUILTIN_ROLES};
use crate::store::{RoleRow, StoreError};
use crate::vault::{forbidden, Vault};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A role as listed: its grants and whether it is built in.
#[derive(Debug, Clone)]
pub struct RoleView {
    /// The role.
    pub role: Role,
    /// Built in (cannot be changed or deleted).
    pub builtin: bool,
}

#[derive(Serialize, Deserialize)]
struct Definition {
    actions: Vec<String>,
    categories: BTreeMap<String, String>,
}

fn parse_definition(
    name: &str,
    actions: &[String],
    categories: &BTreeMap<String, String>,
) -> Result<Role, CoreError> {
    let mut acts = Vec::new();
    for a in actions {
        let act =
            Action::parse(a).ok_or_else(|| CoreError::Invalid(format!("Unknown action '{a}'.")))?;
        if !acts.contains(&act) {
            acts.push(act);
        }
    }
    let mut cats = BTreeMap::new();
    for (c, a) in categories {
        let cat = Category::parse(c)
            .ok_or_else(|| CoreError::Invalid(format!("Unknown category '{c}'.")))?;
        let access = Access::parse(a).ok_or_else(|| {
            CoreError::Invalid(format!("Access to '{c}' must be full, masked or none."))
        })?;
        if access != Access::None {
            cats.insert(cat, access);
        }
    }
    Ok(Role {
        name: name.to_owned(),
        actions: acts,
        categories: cats,
    })
}

fn stored(row: &RoleRow) -> Result<Role, CoreError> {
    let d: Definition = serde_json::from_str(&row.definition)
        .map_err(|_| CoreError::Internal(format!("role {} is not valid JSON", row.name)))?;
    parse_definition(&row.name, &d.actions, &d.categories)
}

impl Vault {
    /// The role of that name in a tenant: built in, or custom.
    pub async fn resolve_role(&self, tenant: TenantId, name: &str) -> Result<Role, CoreError> {
        if let Some(r) = Role::builtin(name) {
            return Ok(r);
        }
        let row = self.store.role(tenant, name).await?;
        row.as_ref()
            .map(stored)
            .transpose()?
            .ok_or_else(|| CoreError::Invalid(format!("Unknown role '{name}'.")))
    }

    /// Every role of the business: built-in ones first, then custom ones.
    pub async fn roles(&self, p: &Principal) -> Result<Vec<RoleView>, CoreError> {
        p.active()?;
        if !p.role.may(Action::UserManage) && !p.role.may(Action::RoleManage) {
            return Err(forbidden(Action::RoleManage));
        }
        let mut out: Vec<RoleView> = BUILTIN_ROLES
            .iter()
            .filter_map(|n| Role::builtin(n))
            .map(|role| RoleView {
                role,
                builtin: true,
            })
            .collect();
        for row in self.store.roles(p.tenant_id).await? {
            out.push(RoleView {
                role: stored(&row)?,
                builtin: false,
            });
        }
        Ok(out)
    }

    /// Defines a custom role (never more than the caller holds).
    pub async fn create_role(
        &self,
        p: &Principal,
        name: &str,
        actions: &[String],
        categories: &BTreeMap<String, String>,
        meta: &RequestMeta,
    ) -> Result<RoleView, CoreError> {
        p.active()?;
        if !p.role.may(Action::RoleManage) {
            return Err(forbidden(Action::RoleManage));
        }
        if name.is_empty()
            || name.len() > 40
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(CoreError::Invalid(
                "A role name has 1 to 40 characters: a–z, 0–9 and '_'.".into(),
            ));
        }
        if Role::builtin(name).is_some() {
            return Err(CoreError::Conflict(format!("'{name}' is a built-in role.")));
        }
        let role = parse_definition(name, actions, categories)?;
        if !role.within(&p.role) {
            return Err(CoreError::Forbidden(
                "A role cannot hold more than your own.".into(),
            ));
        }
        let definition = serde_json::to_string(&Definition {
            actions: role.actions.iter().map(|a| a.as_str().to_owned()).collect(),
            categories: role
                .categories
                .iter()
                .map(|(c, a)| (c.as_str().to_owned(), a.as_str().to_owned()))
                .collect(),
        })
        .map_err(|e| CoreError::Internal(e.to_string()))?;
        let now = self.clock.now();
        let ev = AuditEvent::by(p, "role.create", now, meta).target(format!("role:{name}"));
        self.store
            .insert_role(
                RoleRow {
                    tenant_id: p.tenant_id,
                    name: name.to_owned(),
                    definition,
                    created_at: now,
                },
                ev,
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    CoreError::Conflict(format!("A role named '{name}' exists already."))
                }
                o => o.into(),
            })?;
        Ok(RoleView {
            role,
            builtin: false,
        })
    }

    /// Deletes a custom role nobody holds.
    pub async fn delete_role(
        &self,
        p: &Principal,
        name: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        p.active()?;
        if !p.role.may(Action::RoleManage) {
            return Err(forbidden(Action::RoleManage));
        }
        if Role::builtin(name).is_some() {
            return Err(CoreError::Conflict(format!("'{name}' is a built-in role.")));
        }
        let ev =
            AuditEvent::by(p, "role.delete", self.clock.now(), meta).target(format!("role:{name}"));
        self.store
            .delete_role(p.tenant_id, name, ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    CoreError::Conflict(format!("Users or tokens still hold the role '{name}'."))
                }
                StoreError::NotFound => CoreError::NotFound("Role"),
                o => o.into(),
            })
    }
}
