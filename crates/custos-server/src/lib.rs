//! HTTP for custos: the `/v1` API with problem responses, request ids, security headers, time
//! and size limits, bearer authentication, the OpenAPI document and its local Swagger UI, and
//! serving over TLS (rustls with ring) with graceful shutdown.

pub mod conn;
pub mod error;
pub mod extract;
pub mod render;
pub mod routes;
pub mod ui;

pub use crate::conn::ConnLimits;
use crate::error::{ApiError, REQUEST_ID};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use custos_api::ErrorCode;
use custos_core::Vault;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub vault: Arc<Vault>,
    /// Set when shutdown begins (readiness turns false).
    pub shutting_down: Arc<AtomicBool>,
    /// The audit signing key's public half (hex), to verify checkpoints.
    pub audit_public_key: Arc<str>,
    /// The state of scheduled backups, when the binary runs them.
    pub backups: Option<routes::backups::BackupProbe>,
    /// The background jobs this instance holds the lease of.
    pub jobs: JobBoard,
    /// Taking and checking backups from the web UI, when the binary offers it.
    pub backup_control: Option<Arc<dyn routes::backups::BackupControl>>,
    /// When the served TLS certificate expires (`None` on plain HTTP behind a proxy).
    pub tls_expires_at: Option<time::OffsetDateTime>,
    /// What the compliance documents and checks know of the server's configuration.
    pub compliance: Arc<ComplianceConfig>,
}

/// The server's configuration as the compliance documents and the self-check see it.
#[derive(Debug, Clone, Default)]
pub struct ComplianceConfig {
    /// The SMTP relay's host, when mail is configured.
    pub mail_relay: Option<String>,
    /// Retention sweeps run on a schedule.
    pub retention_sweeps: bool,
    /// The key-rotation policy in days.
    pub key_rotation_days: u32,
    /// The served certificate is self-signed.
    pub tls_self_signed: bool,
    /// Known vulnerabilities of this build (`None`: no advisory list configured).
    pub advisories: Option<Vec<custos_core::compliance::KnownVulnerability>>,
}

impl AppState {
    /// The server's posture now: TLS, backups, mail, policies, advisories.
    pub fn posture(&self) -> custos_core::compliance::Posture {
        posture_of(
            self.backups.as_ref().map(|probe| probe()),
            self.tls_expires_at,
            &self.audit_public_key,
            &self.compliance,
        )
    }
}

/// A posture from its parts (the server's state, or what `custos doctor` reads of a data dir).
pub fn posture_of(
    backups: Option<routes::backups::BackupStatus>,
    tls_expires_at: Option<time::OffsetDateTime>,
    audit_public_key: &str,
    c: &ComplianceConfig,
) -> custos_core::compliance::Posture {
    custos_core::compliance::Posture {
        tls_expires_at,
        tls_self_signed: c.tls_self_signed,
        backups: backups
            .filter(|b| b.scheduled)
            .map(|b| custos_core::compliance::BackupFacts {
                every_hours: b.every_hours,
                newest: b.newest.map(|n| n.created_at),
                offsite: b.offsite,
                last_error: b.last_error,
            }),
        mail_relay: c.mail_relay.clone(),
        retention_sweeps: c.retention_sweeps,
        key_rotation_days: c.key_rotation_days,
        audit_public_key: audit_public_key.to_owned(),
        advisories: c.advisories.clone(),
    }
}

/// The names of the background jobs this instance runs now.
pub type JobBoard = Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>;

/// Limits and switches of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// A request taking longer is answered 503.
    pub request_timeout: Duration,
    /// Largest accepted body in bytes.
    pub body_limit: usize,
    /// Whether the server speaks TLS (then HSTS is sent).
    pub tls: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            request_timeout: Duration::from_secs(30),
            body_limit: 1024 * 1024,
            tls: true,
        }
    }
}

/// The whole application router.
pub fn app(state: AppState, opts: HttpOptions) -> Router {
    let opts = Arc::new(opts);
    Router::new()
        .merge(routes::health::router())
        .merge(routes::auth::router())
        .merge(routes::catalog::router())
        .merge(routes::customers::router())
        .merge(routes::imports::router())
        .merge(routes::webhooks::router())
        .merge(routes::users::router())
        .merge(routes::tokens::router())
        .merge(routes::tenant::router())
        .merge(routes::devices::router())
        .merge(routes::roles::router())
        .merge(routes::alerts::router())
        .merge(routes::audit::router())
        .merge(routes::incidents::router())
        .merge(routes::consents::router())
        .merge(routes::requests::router())
        .merge(routes::retention::router())
        .merge(routes::portal::router())
        .merge(routes::intake::router())
        .merge(routes::backups::router())
        .merge(routes::compliance::router())
        .merge(routes::docs::router())
        .merge(ui::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(opts.body_limit))
        .layer(middleware::from_fn_with_state(opts, request_layer))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "There is nothing at this path.")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "This method is not supported on this path.",
    )
}

/// Per request: a fresh request id (task-local, answered in `x-request-id`), the time limit,
/// security headers, and one log line with ids only (never the query string, which may hold a
/// searched e-mail or phone).
async fn request_layer(State(opts): State<Arc<HttpOptions>>, req: Request, next: Next) -> Response {
    let id = uuid::Uuid::now_v7().simple().to_string();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let docs = path == "/docs" || path.starts_with("/docs/");
    let started = Instant::now();
    let timeout = opts.request_timeout;
    let (req, unread) = unread_body(req);
    let mut resp = REQUEST_ID
        .scope(id.clone(), async move {
            match tokio::time::timeout(timeout, next.run(req)).await {
                Ok(r) => r,
                Err(_) => ApiError::new(
                    ErrorCode::Unavailable,
                    "The request took too long and was stopped.",
                )
                .into_response(),
            }
        })
        .await;
    if let Some(unread) = unread {
        unread.drain(opts.body_limit).await;
    }
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(HeaderName::from_static("x-request-id"), v);
    }
    if opts.tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if docs {
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
        } else if path.starts_with("/privacy/") || path.starts_with("/v1/compliance/") {
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        } else if path.starts_with("/v1/") {
            "default-src 'none'; frame-ancestors 'none'"
        } else {
            // The staff UI: its own scripts and styles only, no inline code, forms to itself.
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        }),
    );
    if !docs && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    tracing::info!(request_id = %id, method = %method, path = %path, status = resp.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    resp
}

/// The body of an HTTP/1 request, shared between the handler and [`request_layer`], so that
/// what a handler left unread (it refused the request on its headers: no or a wrong sign-in, a
/// missing permission, an unsupported media type) can be read after it answered.
///
/// HTTP/1 carries one request after another on a connection: a body not read to its end leaves
/// the connection unusable, and the server closes it while the client may still be sending. A
/// client that sends its whole body before reading (most do) then sees a reset connection
/// instead of the answer — a POS app whose token expired would retry instead of signing in
/// again. Reading the rest first (bounded by the body limit and a few seconds, as a web
/// server's "lingering close" does) lets the answer arrive and keeps the connection.
#[derive(Clone)]
struct SharedBody(Arc<std::sync::Mutex<Option<axum::body::Body>>>);

/// How long reading an unread body may take before the connection is closed instead.
const DRAIN_FOR: Duration = Duration::from_secs(5);

impl http_body::Body for SharedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let mut body = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match body.as_mut() {
            Some(b) => std::pin::Pin::new(b).poll_frame(cx),
            None => std::task::Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        let body = self.0.lock().unwrap_or_else(|e| e.into_inner());
        body.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let body = self.0.lock().unwrap_or_else(|e| e.into_inner());
        body.as_ref().map(|b| b.size_hint()).unwrap_or_default()
    }
}

impl SharedBody {
    /// Reads what the handler left of the body, unless that is more than `limit` bytes, takes
    /// longer than [`DRAIN_FOR`], or fails: then the connection closes as before.
    async fn drain(self, limit: usize) {
        use http_body::Body as _;
        let Some(mut body) = self.0.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        if body.is_end_stream() {
            return;
        }
        if body.size_hint().upper().is_some_and(|n| n > limit as u64) {
            return;
        }
        let mut read = 0usize;
        let _ = tokio::time::timeout(DRAIN_FOR, async {
            while let Some(Ok(frame)) =
                std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
            {
                read += frame.data_ref().map_or(0, |d| d.len());
                if read > limit {
                    return;
                }
            }
        })
        .await;
    }
}

/// Splits off the body of an HTTP/1 request as a [`SharedBody`]. Not for HTTP/2, whose streams
/// end on their own, nor for `Expect: 100-continue`: that client sends its body only if asked.
fn unread_body(req: Request) -> (Request, Option<SharedBody>) {
    let http1 = req.version() < axum::http::Version::HTTP_2;
    if !http1 || req.headers().contains_key(header::EXPECT) {
        return (req, None);
    }
    let (parts, body) = req.into_parts();
    let shared = SharedBody(Arc::new(std::sync::Mutex::new(Some(body))));
    let req = Request::from_parts(parts, axum::body::Body::new(shared.clone()));
    (req, Some(shared))
}

/// Errors of TLS set-up, with the file concerned.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

/// A rustls server configuration (ring provider, TLS 1.2 and 1.3, h2 and http/1.1) from PEM files.
pub fn tls_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, TlsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            TlsError(format!(
                "cannot read the TLS certificate {}: {e}",
                cert.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(TlsError(format!("no certificate in {}", cert.display())));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| TlsError(format!("cannot read the TLS key {}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError(format!("the TLS certificate and key do not fit: {e}")))?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

/// When the first certificate of a PEM file expires (for the dashboard's warning).
pub fn certificate_expiry(cert: &Path) -> Option<time::OffsetDateTime> {
    let c = first_certificate(cert)?;
    let secs = c
        .tbs_certificate
        .validity
        .not_after
        .to_unix_duration()
        .as_secs();
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()
}

/// Whether the served certificate is self-signed (its issuer is its subject), as `custos init`
/// makes it: browsers warn about it.
pub fn certificate_self_signed(cert: &Path) -> bool {
    first_certificate(cert).is_some_and(|c| c.tbs_certificate.issuer == c.tbs_certificate.subject)
}

fn first_certificate(cert: &Path) -> Option<x509_cert::Certificate> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    use x509_cert::der::Decode;
    let der = CertificateDer::pem_file_iter(cert).ok()?.next()?.ok()?;
    x509_cert::Certificate::from_der(der.as_ref()).ok()
}

/// Serves `app` on a bound listener until `shutdown` resolves, then lets in-flight requests
/// finish (up to `grace`). `limits` bound the connections (see [`conn`]).
pub async fn serve(
    listener: std::net::TcpListener,
    app: Router,
    tls: Option<rustls::ServerConfig>,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let make = app.into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        h.graceful_shutdown(Some(grace));
    });
    // hyper reads a request's header lines against its timer only when it is given one.
    let timed = |b: &mut hyper_util::server::conn::auto::Builder<_>| {
        b.http1()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.header_read);
        b.http2().timer(hyper_util::rt::TokioTimer::new());
    };
    match tls {
        Some(cfg) => {
            let rustls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(cfg));
            let acceptor =
                conn::Guard::new(axum_server::tls_rustls::RustlsAcceptor::new(rustls), limits);
            let mut server = axum_server::from_tcp(listener)?
                .acceptor(acceptor)
                .handle(handle);
            timed(server.http_builder());
            server.serve(make).await
        }
        None => {
            let acceptor = conn::Guard::new(axum_server::accept::DefaultAcceptor::new(), limits);
            let mut server = axum_server::from_tcp(listener)?
                .acceptor(acceptor)
                .handle(handle);
            timed(server.http_builder());
            server.serve(make).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    fn limited(timeout: Duration) -> Router {
        let opts = Arc::new(HttpOptions {
            request_timeout: timeout,
            body_limit: 1024,
            tls: false,
        });
        Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/fast", get(|| async { "ok" }))
            .route(
                "/refuse",
                axum::routing::post(|| async { axum::http::StatusCode::UNAUTHORIZED }),
            )
            .layer(middleware::from_fn_with_state(opts, request_layer))
    }

    /// A body of `left` bytes in 256-byte frames that counts what was read of it; its size
    /// known in advance (`Content-Length`) or not (chunked).
    struct Counted {
        left: usize,
        known: bool,
        read: Arc<std::sync::atomic::AtomicUsize>,
    }

    impl http_body::Body for Counted {
        type Data = bytes::Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
            let n = self.left.min(256);
            if n == 0 {
                return std::task::Poll::Ready(None);
            }
            self.left -= n;
            self.read.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
            std::task::Poll::Ready(Some(Ok(http_body::Frame::data(bytes::Bytes::from(
                vec![b'x'; n],
            )))))
        }

        fn is_end_stream(&self) -> bool {
            self.left == 0
        }

        fn size_hint(&self) -> http_body::SizeHint {
            if self.known {
                http_body::SizeHint::with_exact(self.left as u64)
            } else {
                http_body::SizeHint::default()
            }
        }
    }

    /// Answers how much of a body of `len` bytes the server read for a request refused on its
    /// headers (the body limit is 1 KiB).
    async fn read_of_refused(len: usize, known: bool, expect: bool) -> usize {
        let read = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let body = Counted {
            left: len,
            known,
            read: read.clone(),
        };
        let mut req = axum::http::Request::post("/refuse");
        if expect {
            req = req.header(header::EXPECT, "100-continue");
        }
        let resp = limited(Duration::from_secs(5))
            .oneshot(req.body(Body::new(body)).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        read.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[tokio::test]
    async fn what_a_refusing_handler_left_of_a_body_is_read_up_to_the_body_limit() {
        // Within the limit: read to its end, so that HTTP/1 can carry the answer and the next
        // request.
        assert_eq!(read_of_refused(800, false, false).await, 800);
        assert_eq!(read_of_refused(800, true, false).await, 800);
        // Over it, declared: not read at all; not declared: read until it is over, no further.
        assert_eq!(read_of_refused(4096, true, false).await, 0);
        let read = read_of_refused(4096, false, false).await;
        assert!(read > 1024 && read <= 1024 + 256, "{read}");
        // A client that waits for "100 Continue" before sending is not asked to send.
        assert_eq!(read_of_refused(800, false, true).await, 0);
    }

    #[tokio::test]
    async fn a_request_over_the_time_limit_is_answered_503() {
        let resp = limited(Duration::from_millis(50))
            .oneshot(
                axum::http::Request::get("/slow")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), 503);
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let rid = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        let body = axum::body::to_bytes(resp.into_body(), 4096).await.unwrap();
        let p: custos_api::Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(p.code, "unavailable");
        assert_eq!(p.request_id, rid);
        assert!(!p.detail.contains("late"));
        let resp = limited(Duration::from_millis(50))
            .oneshot(
                axum::http::Request::get("/fast")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()
                .get(header::STRICT_TRANSPORT_SECURITY)
                .is_none(),
            "no HSTS without TLS"
        );
    }
}
