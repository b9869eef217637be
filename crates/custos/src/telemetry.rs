//! Logging: human-readable lines on a terminal, JSON otherwise (or as configured), to stderr.
//! Filter with `CUSTOS_LOG` (e.g. `info`, `custos_server=debug`). Log fields carry ids only.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Libraries whose debug lines carry what passes through them, which may be personal data:
/// tokio-postgres logs every statement's parameters (usernames, plaintext lookups), lettre every
/// SMTP line (recipients' addresses, the mail's text). They never log below `info`, whatever
/// `CUSTOS_LOG` asks for (found by the log-injection test on PostgreSQL).
const NEVER_VERBOSE: [&str; 2] = ["tokio_postgres", "lettre"];

/// The log filter: `CUSTOS_LOG` (default `info`) without its directives for [`NEVER_VERBOSE`]
/// (a more specific one, `tokio_postgres::query=trace`, would beat the cap), which are held at
/// `info`.
fn filter(env: Option<&str>) -> EnvFilter {
    let own: Option<String> = env.map(|e| {
        e.split(',')
            .filter(|d| !NEVER_VERBOSE.iter().any(|t| d.trim().starts_with(t)))
            .collect::<Vec<_>>()
            .join(",")
    });
    let base = own
        .filter(|e| !e.trim().is_empty())
        .and_then(|e| EnvFilter::try_new(e).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    NEVER_VERBOSE
        .iter()
        .fold(base, |f, target| match format!("{target}=info").parse() {
            Ok(d) => f.add_directive(d),
            Err(_) => f,
        })
}

/// Installs the global subscriber once; later calls do nothing.
pub fn init(json: Option<bool>) {
    let filter = filter(std::env::var("CUSTOS_LOG").ok().as_deref());
    let json = json.unwrap_or(!std::io::stderr().is_terminal());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(env: &str) -> String {
        let out = Capture::default();
        let w = out.clone();
        let sub = tracing_subscriber::fmt()
            .with_env_filter(filter(Some(env)))
            .with_writer(move || w.clone())
            .finish();
        tracing::subscriber::with_default(sub, || {
            tracing::debug!(target: "tokio_postgres::query", "parameters: SecretParamQz");
            tracing::debug!(target: "lettre::transport::smtp", "Wrote: RCPT TO:<SecretMailQz>");
            tracing::debug!(target: "custos_server", "ours at debug");
            tracing::info!(target: "tokio_postgres::connection", "connection closed");
        });
        let v = out.0.lock().unwrap().clone();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn libraries_that_log_values_stay_at_info_whatever_is_asked() {
        for env in [
            "debug",
            "trace",
            "debug,tokio_postgres=trace,lettre=debug",
            "tokio_postgres::query=trace",
        ] {
            let out = logged(env);
            assert!(!out.contains("SecretParamQz"), "{env}: {out}");
            assert!(!out.contains("SecretMailQz"), "{env}: {out}");
            assert!(
                out.contains("connection closed"),
                "{env}: info still shows: {out}"
            );
        }
        assert!(logged("debug").contains("ours at debug"));
    }
}
