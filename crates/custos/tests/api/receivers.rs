//! Local receivers for what custos sends: a small SMTP server (RFC 5321 commands EHLO/HELO,
//! MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) that keeps every message, and an
//! HTTP endpoint that records webhook requests and can be told to fail the first few.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO`s.
    pub to: Vec<String>,
    /// The message (headers and body) as sent.
    pub data: Vec<u8>,
}

impl Received {
    /// A header's decoded value.
    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        mailparse::parse_mail(&self.data)
            .ok()?
            .headers
            .get_first_value(name)
    }

    /// The decoded text body.
    pub fn body(&self) -> String {
        mailparse::parse_mail(&self.data)
            .unwrap()
            .get_body()
            .unwrap()
    }
}

/// The SMTP server.
pub struct SmtpServer {
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<Received>>>,
}

fn addr_of(arg: &str) -> String {
    let a = arg.split_once(':').map_or("", |(_, r)| r).trim();
    a.trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or("")
        .to_owned()
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut r = BufReader::new(r);
                    let _ = w.write_all(b"220 test-smtp ESMTP ready\r\n").await;
                    let (mut from, mut to) = (String::new(), Vec::new());
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            break;
                        }
                        let cmd = line.trim_end().to_owned();
                        let verb = cmd.split([' ', ':']).next().unwrap_or("").to_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-test-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                            "HELO" | "NOOP" => b"250 OK\r\n",
                            "MAIL" => {
                                from = addr_of(&cmd);
                                to.clear();
                                b"250 OK\r\n"
                            }
                            "RCPT" => {
                                to.push(addr_of(&cmd));
                                b"250 OK\r\n"
                            }
                            "RSET" => {
                                from.clear();
                                to.clear();
                                b"250 OK\r\n"
                            }
                            "DATA" => {
                                let _ = w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await;
                                let mut data = Vec::new();
                                let mut l = Vec::new();
                                loop {
                                    l.clear();
                                    if r.read_until(b'\n', &mut l).await.unwrap_or(0) == 0 {
                                        return;
                                    }
                                    if l == b".\r\n" {
                                        break;
                                    }
                                    let unstuffed = if l.starts_with(b"..") {
                                        &l[1..]
                                    } else {
                                        &l[..]
                                    };
                                    data.extend_from_slice(unstuffed);
                                }
                                store.lock().unwrap().push(Received {
                                    from: from.clone(),
                                    to: to.clone(),
                                    data,
                                });
                                b"250 OK queued\r\n"
                            }
                            "QUIT" => {
                                let _ = w.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"502 not implemented\r\n",
                        };
                        if w.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpServer { addr, mails }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Waits (up to ten seconds) for at least `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..100 {
            let m = self.mails.lock().unwrap().clone();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("fewer than {n} mails arrived");
    }
}

/// A webhook request as received.
#[derive(Debug, Clone)]
pub struct Hook {
    pub headers: HeaderMap,
    pub body: String,
    /// What the receiver answered.
    pub status: u16,
}

#[derive(Clone)]
struct HookState {
    hooks: Arc<Mutex<Vec<Hook>>>,
    fail_first: Arc<AtomicUsize>,
}

/// The webhook receiver.
pub struct HookReceiver {
    pub addr: SocketAddr,
    hooks: Arc<Mutex<Vec<Hook>>>,
}

async fn receive(State(s): State<HookState>, headers: HeaderMap, body: String) -> StatusCode {
    let failing = s
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    };
    s.hooks.lock().unwrap().push(Hook {
        headers,
        body,
        status: status.as_u16(),
    });
    status
}

impl HookReceiver {
    /// A receiver that answers 500 to the first `fail_first` requests, 204 after.
    pub async fn start(fail_first: usize) -> HookReceiver {
        let hooks = Arc::new(Mutex::new(Vec::new()));
        let state = HookState {
            hooks: hooks.clone(),
            fail_first: Arc::new(AtomicUsize::new(fail_first)),
        };
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(state);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HookReceiver { addr, hooks }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Waits (up to ten seconds) for at least `n` requests.
    pub async fn wait_for(&self, n: usize) -> Vec<Hook> {
        for _ in 0..100 {
            let h = self.hooks.lock().unwrap().clone();
            if h.len() >= n {
                return h;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("fewer than {n} webhook requests arrived");
    }
}
