//! Fresh PostgreSQL databases for tests: one per test, named by a UUID, owned by an ordinary role
//! (so row-level security binds it, as it should bind custos in production), dropped when the
//! handle is dropped. The server to use is `CUSTOS_TEST_POSTGRES` (an administrator's URL),
//! by default `postgres://postgres@127.0.0.1:5432/postgres`. A server that cannot be reached is a
//! failed test, never a skipped one.

use std::time::Duration;

/// The role test databases belong to and custos connects as.
pub const TEST_ROLE: &str = "custos_test";

/// A database that exists until this is dropped.
pub struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

fn admin_url() -> String {
    std::env::var("CUSTOS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Runs `f` with an administrator's connection, on a thread of its own.
fn as_admin<T: Send>(
    url: &str,
    f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send,
) -> Result<T, String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut config: postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
            config.connect_timeout(Duration::from_secs(10));
            let mut c = config
                .connect(postgres::NoTls)
                .map_err(|e| format!("cannot reach the test PostgreSQL at {url}: {e}"))?;
            f(&mut c).map_err(|e| format!("{e}"))
        })
        .join()
        .unwrap_or_else(|_| Err("the database thread failed".into()))
    })
}

impl TestDatabase {
    /// Creates a fresh empty database; panics (fails the test) when PostgreSQL is not there.
    pub fn create() -> TestDatabase {
        Self::create_on(&admin_url())
    }

    /// `create` on the server of the administrator's URL `admin`.
    pub fn create_on(admin: &str) -> TestDatabase {
        let admin = admin.to_owned();
        let name = format!("custos_test_{}", uuid::Uuid::now_v7().simple());
        let role_exists = format!("SELECT 1 FROM pg_roles WHERE rolname = '{TEST_ROLE}'");
        let made = as_admin(&admin, |c| {
            if c.query_opt(&role_exists, &[])?.is_none() {
                // Tests run in parallel: another may create the role first.
                if let Err(e) = c.batch_execute(&format!("CREATE ROLE {TEST_ROLE} LOGIN")) {
                    if c.query_opt(&role_exists, &[])?.is_none() {
                        return Err(e);
                    }
                }
            }
            c.batch_execute(&format!(
                "CREATE DATABASE {name} OWNER {TEST_ROLE} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ))
        });
        if let Err(e) = made {
            panic!("PostgreSQL for the tests: {e} (set CUSTOS_TEST_POSTGRES to an administrator's URL)");
        }
        let (scheme_auth, _) = admin
            .rsplit_once('/')
            .filter(|(a, _)| a.contains("://"))
            .unwrap_or((admin.as_str(), ""));
        let (scheme, rest) = scheme_auth.split_once("://").unwrap_or(("postgres", ""));
        let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
        let url = format!("{scheme}://{TEST_ROLE}@{host}/{name}");
        TestDatabase { admin, name, url }
    }

    /// A copy of this database (which nobody may be connected to), as a new test database.
    pub fn copy_of(&self) -> TestDatabase {
        let name = format!("custos_test_{}", uuid::Uuid::now_v7().simple());
        let sql = format!(
            "CREATE DATABASE {name} OWNER {TEST_ROLE} TEMPLATE {}",
            self.name
        );
        // The connections of a server that just stopped close on a thread of their own.
        let mut last = String::new();
        for _ in 0..50 {
            match as_admin(&self.admin, |c| c.batch_execute(&sql)) {
                Ok(()) => {
                    return TestDatabase {
                        admin: self.admin.clone(),
                        url: self.url.replace(&self.name, &name),
                        name,
                    }
                }
                Err(e) => last = e,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("cannot copy the test database {}: {last}", self.name);
    }

    /// Where custos connects (as the ordinary role).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The administrator's URL of this database (for checks around custos, e.g. `pg_dump`).
    pub fn admin_url(&self) -> String {
        match self.admin.rsplit_once('/') {
            Some((base, _)) if base.contains("://") => format!("{base}/{}", self.name),
            _ => format!("{}/{}", self.admin, self.name),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = as_admin(&self.admin, |c| c.batch_execute(&sql)) {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
    }
}
