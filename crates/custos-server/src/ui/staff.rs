//! Staff and roles in the web UI: the accounts of the business (add, change role, disable,
//! enable, reset a password) and the permission matrix of every role as a table.

use super::{page, page_with, refusal, Chrome, Staff, StaffForm, UiError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use custos_api::catalog::Category;
use custos_core::ids::UserId;
use custos_core::policy::{Access, Action};
use serde::Deserialize;

/// The routes of the staff pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(list).post(create))
        .route("/staff/{id}", post(change))
        .route("/staff/{id}/password", post(reset_password))
        .route("/staff/{id}/compromised", post(compromised))
        .route("/staff/roles", post(create_role))
        .route("/staff/roles/{name}/delete", post(delete_role))
        .route("/staff/break-glass", post(grant))
        .route("/staff/break-glass/{id}/end", post(end_grant))
}

fn users_by_id(users: &[UserLine]) -> std::collections::HashMap<UserId, String> {
    users
        .iter()
        .filter_map(|u| UserId::parse(&u.id).map(|id| (id, u.username.clone())))
        .collect()
}

struct UserLine {
    id: String,
    username: String,
    role: String,
    role_label: String,
    disabled: bool,
    must_change_password: bool,
    created: String,
    me: bool,
}

struct MatrixRow {
    label: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    c: Chrome,
    users: Vec<UserLine>,
    roles: Vec<(String, String)>,
    role_heads: Vec<String>,
    actions: Vec<MatrixRow>,
    categories: Vec<MatrixRow>,
    error: Option<String>,
    username: String,
    /// Custom roles (name, label), which may be deleted.
    custom: Vec<(String, String)>,
    /// Every action, for defining a role (name, label).
    all_actions: Vec<(String, String)>,
    /// Every category, for defining a role (name, label).
    all_categories: Vec<(String, String)>,
    /// The emergency grants in force: id, user, role, until, reason.
    grants: Vec<(String, String, String, String, String)>,
    may_roles: bool,
    may_grant: bool,
}

async fn staff_page(
    s: &AppState,
    staff: Staff,
    error: Option<String>,
    username: String,
) -> Result<StaffPage, UiError> {
    staff.require(Action::UserManage)?;
    let t = &staff.c.t;
    let views = s.vault.roles(&staff.p).await?;
    let role_label = |name: &str| t.label("role", name);
    let users: Vec<UserLine> = s
        .vault
        .users(&staff.p)
        .await?
        .into_iter()
        .map(|u| UserLine {
            id: u.id.to_string(),
            role_label: role_label(&u.role),
            me: Some(u.id) == staff.p.user_id,
            username: u.username,
            role: u.role,
            disabled: u.disabled,
            must_change_password: u.must_change_password,
            created: t.date(&u.created_at),
        })
        .collect();
    // Roles a person can hold (devices have their own pairing, not an account).
    let roles: Vec<(String, String)> = views
        .iter()
        .filter(|v| v.role.name != "device")
        .map(|v| (v.role.name.clone(), role_label(&v.role.name)))
        .collect();
    let role_heads = views.iter().map(|v| role_label(&v.role.name)).collect();
    let actions = Action::ALL
        .iter()
        .map(|a| MatrixRow {
            label: t.label("perm", &a.as_str().replace('.', "-")),
            cells: views
                .iter()
                .map(|v| {
                    t.t(if v.role.may(*a) {
                        "matrix-yes"
                    } else {
                        "matrix-no"
                    })
                })
                .collect(),
        })
        .collect();
    let categories = Category::ALL
        .iter()
        .map(|c| MatrixRow {
            label: t.label("category", c.as_str()),
            cells: views
                .iter()
                .map(|v| {
                    t.t(match v.role.access(*c) {
                        Access::Full => "access-full",
                        Access::Masked => "access-masked",
                        Access::None => "access-none",
                    })
                })
                .collect(),
        })
        .collect();
    let custom = views
        .iter()
        .filter(|v| !v.builtin)
        .map(|v| (v.role.name.clone(), role_label(&v.role.name)))
        .collect();
    let all_actions = Action::ALL
        .iter()
        .map(|a| {
            (
                a.as_str().to_owned(),
                t.label("perm", &a.as_str().replace('.', "-")),
            )
        })
        .collect();
    let all_categories = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), t.label("category", c.as_str())))
        .collect();
    let may_grant = staff.p.role.may(Action::TenantManage);
    let names: std::collections::HashMap<UserId, String> = users_by_id(&users);
    let grants = if may_grant {
        s.vault
            .grants(&staff.p)
            .await?
            .into_iter()
            .map(|g| {
                (
                    g.id.to_string(),
                    names.get(&g.user_id).cloned().unwrap_or_default(),
                    role_label(&g.role),
                    t.datetime(&g.expires_at),
                    g.reason,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(StaffPage {
        may_roles: staff.p.role.may(Action::RoleManage),
        may_grant,
        c: staff.c,
        users,
        roles,
        role_heads,
        actions,
        categories,
        error,
        username,
        custom,
        all_actions,
        all_categories,
        grants,
    })
}

async fn list(State(s): State<AppState>, staff: Staff) -> Result<Response, UiError> {
    page(staff_page(&s, staff, None, String::new()).await?)
}

#[derive(Deserialize)]
struct NewUserForm {
    username: String,
    password: String,
    role: String,
}

async fn create(State(s): State<AppState>, f: StaffForm<NewUserForm>) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    match s
        .vault
        .add_user(
            Some(&staff.p),
            staff.p.tenant_id,
            form.username.trim(),
            &form.password,
            &form.role,
            &staff.meta,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/staff?notice=user-created").into_response()),
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(
                status,
                staff_page(&s, staff, error, form.username.trim().to_owned()).await?,
            )
        }
    }
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    disabled: Option<String>,
}

fn user_id(id: &str) -> Result<UserId, UiError> {
    UserId::parse(id).ok_or_else(|| UiError::code(custos_api::ErrorCode::NotFound))
}

async fn change(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<ChangeForm>,
) -> Result<Response, UiError> {
    let id = user_id(&id)?;
    let StaffForm { staff, form } = f;
    let disabled = form.disabled.as_deref().map(|d| d == "true");
    match s
        .vault
        .change_user(&staff.p, id, form.role.as_deref(), disabled, &staff.meta)
        .await
    {
        Ok(_) => Ok(Redirect::to("/staff?notice=user-changed").into_response()),
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(status, staff_page(&s, staff, error, String::new()).await?)
        }
    }
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset_password(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<ResetForm>,
) -> Result<Response, UiError> {
    let id = user_id(&id)?;
    let StaffForm { staff, form } = f;
    match s
        .vault
        .reset_password(&staff.p, id, &form.password, &staff.meta)
        .await
    {
        Ok(()) => Ok(Redirect::to("/staff?notice=password-reset").into_response()),
        Err(e) => {
            let (status, error) = refusal(&staff.c.t, e)?;
            let error = Some(error);
            page_with(status, staff_page(&s, staff, error, String::new()).await?)
        }
    }
}

/// A refused change shown on the staff page with the vault's words; other failures are errors.
async fn refused(
    s: &AppState,
    staff: Staff,
    e: custos_core::CoreError,
) -> Result<Response, UiError> {
    let (status, error) = refusal(&staff.c.t, e)?;
    page_with(
        status,
        staff_page(s, staff, Some(error), String::new()).await?,
    )
}

async fn compromised(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<super::NoFields>,
) -> Result<Response, UiError> {
    let id = user_id(&id)?;
    match s
        .vault
        .mark_compromised(&f.staff.p, id, &f.staff.meta)
        .await
    {
        Ok(()) => Ok(Redirect::to("/staff?notice=user-compromised").into_response()),
        Err(e) => refused(&s, f.staff, e).await,
    }
}

async fn create_role(
    State(s): State<AppState>,
    f: StaffForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let name = super::form_value(&form, "name").unwrap_or("").to_owned();
    let actions: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "action")
        .map(|(_, v)| v.clone())
        .collect();
    let categories: std::collections::BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("cat.")
                .filter(|_| v != "none")
                .map(|c| (c.to_owned(), v.clone()))
        })
        .collect();
    match s
        .vault
        .create_role(&staff.p, &name, &actions, &categories, &staff.meta)
        .await
    {
        Ok(_) => Ok(Redirect::to("/staff?notice=role-created").into_response()),
        Err(e) => refused(&s, staff, e).await,
    }
}

async fn delete_role(
    State(s): State<AppState>,
    Path(name): Path<String>,
    f: StaffForm<super::NoFields>,
) -> Result<Response, UiError> {
    match s.vault.delete_role(&f.staff.p, &name, &f.staff.meta).await {
        Ok(()) => Ok(Redirect::to("/staff?notice=role-deleted").into_response()),
        Err(e) => refused(&s, f.staff, e).await,
    }
}

#[derive(Deserialize)]
struct GrantForm {
    user: String,
    role: String,
    minutes: u32,
    reason: String,
}

async fn grant(State(s): State<AppState>, f: StaffForm<GrantForm>) -> Result<Response, UiError> {
    let StaffForm { staff, form } = f;
    let user = user_id(&form.user)?;
    match s
        .vault
        .grant_break_glass(
            &staff.p,
            user,
            &form.role,
            form.minutes,
            form.reason.trim(),
            &staff.meta,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/staff?notice=grant-given").into_response()),
        Err(e) => refused(&s, staff, e).await,
    }
}

async fn end_grant(
    State(s): State<AppState>,
    Path(id): Path<String>,
    f: StaffForm<super::NoFields>,
) -> Result<Response, UiError> {
    let id = custos_core::ids::GrantId::parse(&id)
        .ok_or_else(|| UiError::code(custos_api::ErrorCode::NotFound))?;
    match s.vault.end_grant(&f.staff.p, id, &f.staff.meta).await {
        Ok(()) => Ok(Redirect::to("/staff?notice=grant-ended").into_response()),
        Err(e) => refused(&s, f.staff, e).await,
    }
}
