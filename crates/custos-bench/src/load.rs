//! The load generator: a number of connections, each a keep-alive HTTPS connection of its own
//! issuing one request after another for a fixed time; latency of every request recorded.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where requests go.
#[derive(Clone)]
pub struct Target {
    /// `https://localhost:PORT`.
    pub base: String,
    /// The bearer token.
    pub token: String,
    /// The server's certificate (PEM), trusted.
    pub cert: Vec<u8>,
    /// The address `localhost` resolves to.
    pub addr: std::net::SocketAddr,
}

impl Target {
    /// A client holding one connection (HTTP/1.1 keep-alive).
    pub fn client(&self) -> anyhow::Result<reqwest::Client> {
        Ok(reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&self.cert)?)
            .resolve("localhost", self.addr)
            .http1_only()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(30))
            .build()?)
    }

    /// A request with the token.
    pub fn req(
        &self,
        c: &reqwest::Client,
        m: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        c.request(m, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
}

/// What one connection knows while it runs.
pub struct Conn {
    /// Its number.
    pub index: usize,
    /// Its client.
    pub client: reqwest::Client,
    /// Requests made so far.
    pub count: u64,
    /// A xorshift state, for random choices.
    pub rng: u64,
}

impl Conn {
    /// A random number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % n.max(1) as u64) as usize
    }
}

/// One request of a scenario: answers whether it succeeded.
pub type Step = Arc<
    dyn for<'a> Fn(
            &'a Target,
            &'a mut Conn,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>>
        + Send
        + Sync,
>;

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Requests that succeeded.
    pub ok: u64,
    /// Requests that failed.
    pub errors: u64,
    /// Wall time.
    pub secs: f64,
    /// Latencies in microseconds, sorted.
    pub latencies: Vec<u32>,
}

impl Stats {
    /// Successful requests per second.
    pub fn rps(&self) -> f64 {
        if self.secs > 0.0 {
            self.ok as f64 / self.secs
        } else {
            0.0
        }
    }

    /// The `p`th percentile latency in milliseconds.
    pub fn pct(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i = ((p / 100.0) * (self.latencies.len() - 1) as f64).round() as usize;
        f64::from(self.latencies[i.min(self.latencies.len() - 1)]) / 1000.0
    }
}

/// Runs `step` on `connections` connections for `duration` (or until `limit` requests in
/// all, when given).
pub async fn run(
    target: &Target,
    connections: usize,
    duration: Duration,
    limit: Option<u64>,
    step: Step,
) -> anyhow::Result<Stats> {
    let started = Instant::now();
    let deadline = started + duration;
    let issued = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for index in 0..connections {
        let (target, step, issued) = (target.clone(), step.clone(), issued.clone());
        let client = target.client()?;
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn {
                index,
                client,
                count: 0,
                rng: 0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D),
            };
            let (mut ok, mut errors, mut lat) = (0u64, 0u64, Vec::with_capacity(4096));
            while Instant::now() < deadline {
                if let Some(l) = limit {
                    if issued.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= l {
                        break;
                    }
                }
                let t = Instant::now();
                let good = step(&target, &mut conn).await;
                conn.count += 1;
                if good {
                    ok += 1;
                    lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                } else {
                    errors += 1;
                }
            }
            (ok, errors, lat)
        }));
    }
    let mut stats = Stats::default();
    for t in tasks {
        let (ok, errors, lat) = t.await?;
        stats.ok += ok;
        stats.errors += errors;
        stats.latencies.extend(lat);
    }
    stats.secs = started.elapsed().as_secs_f64();
    stats.latencies.sort_unstable();
    Ok(stats)
}

/// The server's resident memory in MiB (Linux `/proc`).
pub fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
