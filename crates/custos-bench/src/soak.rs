//! `custos-bench soak`: the POS mix against custos alone for a long time at a bounded rate,
//! sampling the server's resident memory and open file descriptors, to show that neither grows
//! and that no request fails (issue 13, RELIABILITY.md).

use crate::{all_ids, load, pos_step, seed_records, Bench, RunArgs, Versions};
use anyhow::bail;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What `soak` is given.
#[derive(clap::Args, Clone)]
pub struct SoakArgs {
    /// Customers to set up (one purchase each).
    #[arg(long, default_value_t = 10000)]
    pub customers: u64,
    /// How long the mix runs.
    #[arg(long, default_value_t = 10)]
    pub minutes: u64,
    /// Requests per second at most (each sample's window stops at its share; 0: unbounded).
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    /// Concurrent keep-alive connections (new ones for each sample's window).
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Seconds between samples of memory and descriptors.
    #[arg(long, default_value_t = 10)]
    pub sample_secs: u64,
    /// Where soak.md and soak.json are written.
    #[arg(long, default_value = "target/bench/soak")]
    pub out: PathBuf,
    /// The custos binary (default: next to this one).
    #[arg(long)]
    pub custos: Option<PathBuf>,
}

/// One sample: a window of the mix and the server's state at its end.
#[derive(Debug, Clone, serde::Serialize)]
struct Sample {
    /// Seconds since the mix began, at the window's end.
    at_s: f64,
    requests: u64,
    errors: u64,
    rps: f64,
    p99_ms: f64,
    rss_mib: f64,
    fds: usize,
}

/// The server's open file descriptors (Linux `/proc`).
fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// Runs the soak and writes its report; fails if any request failed.
pub async fn soak(args: SoakArgs) -> anyhow::Result<()> {
    if args.customers == 0 || args.minutes == 0 || args.connections == 0 || args.sample_secs == 0 {
        bail!("--customers, --minutes, --connections and --sample-secs must be above 0");
    }
    let n = args.customers;
    let run_args = RunArgs {
        customers: vec![n],
        records: 1,
        seconds: args.sample_secs,
        connections: args.connections,
        out: args.out.clone(),
        custos: args.custos.clone(),
        postgres: None,
        keep: false,
    };
    let tmp = tempfile::tempdir()?;
    let mut b = Bench::new(&run_args, n, tmp.path(), None)?;
    b.set_up_custos(n)?;
    let server = b.start_custos().await?;
    let pid = server.pid();
    let ids = Arc::new(all_ids(&server.target).await?);
    if ids.len() as u64 != n {
        bail!("set-up made {} customers, not {n}", ids.len());
    }
    seed_records(&server.target, &ids, 1).await?;
    let step = pos_step(n, ids, args.connections, Versions::default());
    let (rss0, fds0) = (load::rss_mib(pid), fds(pid));
    eprintln!(
        "custos-bench: soak of {} min at ≤ {} req/s on {} connections; at start {rss0:.0} MiB, {fds0} descriptors",
        args.minutes, args.rate, args.connections
    );
    let started = Instant::now();
    let end = Duration::from_secs(args.minutes * 60);
    let mut samples = Vec::new();
    while started.elapsed() < end {
        let window =
            Duration::from_secs(args.sample_secs).min(end.saturating_sub(started.elapsed()));
        let t = Instant::now();
        let limit = (args.rate > 0).then_some((args.rate as f64 * window.as_secs_f64()) as u64);
        let st = load::run(
            &server.target,
            args.connections,
            window,
            limit,
            step.clone(),
        )
        .await?;
        tokio::time::sleep(window.saturating_sub(t.elapsed())).await;
        let s = Sample {
            at_s: started.elapsed().as_secs_f64(),
            requests: st.ok + st.errors,
            errors: st.errors,
            rps: st.ok as f64 / t.elapsed().as_secs_f64(),
            p99_ms: st.pct(99.0),
            rss_mib: load::rss_mib(pid),
            fds: fds(pid),
        };
        eprintln!(
            "custos-bench: {:>5.0} s  {:>6} requests  {} errors  {:>6.0} req/s  p99 {:>6.2} ms  {:>5.0} MiB  {} descriptors",
            s.at_s, s.requests, s.errors, s.rps, s.p99_ms, s.rss_mib, s.fds
        );
        samples.push(s);
    }
    drop(server);
    let text = report(&args, n, rss0, fds0, &samples);
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("soak.md"), &text)?;
    std::fs::write(
        args.out.join("soak.json"),
        serde_json::to_vec_pretty(&serde_json::json!({
            "customers": n, "minutes": args.minutes, "rate": args.rate,
            "connections": args.connections, "start_rss_mib": rss0, "start_fds": fds0,
            "samples": samples,
        }))?,
    )?;
    println!("{text}");
    let errors: u64 = samples.iter().map(|s| s.errors).sum();
    if errors > 0 {
        bail!("{errors} requests failed during the soak");
    }
    Ok(())
}

/// Least-squares slope of `y` over `x` (per unit of `x`).
fn slope(points: &[(f64, f64)]) -> f64 {
    let k = points.len() as f64;
    if k < 2.0 {
        return 0.0;
    }
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / k,
        points.iter().map(|p| p.1).sum::<f64>() / k,
    );
    let num: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let den: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

fn report(args: &SoakArgs, n: u64, rss0: f64, fds0: usize, samples: &[Sample]) -> String {
    let requests: u64 = samples.iter().map(|s| s.requests).sum();
    let errors: u64 = samples.iter().map(|s| s.errors).sum();
    let secs = samples.last().map_or(0.0, |s| s.at_s);
    let half = &samples[samples.len() / 2..];
    let rss_slope = slope(
        &half
            .iter()
            .map(|s| (s.at_s / 60.0, s.rss_mib))
            .collect::<Vec<_>>(),
    );
    let fd_slope = slope(
        &half
            .iter()
            .map(|s| (s.at_s / 60.0, s.fds as f64))
            .collect::<Vec<_>>(),
    );
    let max = |f: fn(&Sample) -> f64| samples.iter().map(f).fold(0.0, f64::max);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# custos soak\n\n{}, {n} customers, POS mix (35 % search by e-mail, 35 % read by id, 20 % sale, 10 % update) for {:.1} min at ≤ {} req/s on {} connections (new connections every {} s).\n",
        crate::report::machine(),
        secs / 60.0,
        args.rate,
        args.connections,
        args.sample_secs
    );
    let _ = writeln!(
        out,
        "| requests | errors | error rate | mean req/s | RSS MiB start → end (max) | RSS slope, second half | descriptors start → end (max) | descriptor slope, second half |\n| ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |"
    );
    let last = samples.last();
    let _ = writeln!(
        out,
        "| {requests} | {errors} | {:.4} % | {:.0} | {rss0:.0} → {:.0} ({:.0}) | {rss_slope:+.2} MiB/min | {fds0} → {} ({:.0}) | {fd_slope:+.2} /min |\n",
        if requests > 0 {
            errors as f64 * 100.0 / requests as f64
        } else {
            0.0
        },
        if secs > 0.0 {
            requests as f64 / secs
        } else {
            0.0
        },
        last.map_or(0.0, |s| s.rss_mib),
        max(|s| s.rss_mib),
        last.map_or(0, |s| s.fds),
        max(|s| s.fds as f64),
    );
    let _ = writeln!(
        out,
        "| at s | requests | errors | req/s | p99 ms | RSS MiB | descriptors |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for s in samples {
        let _ = writeln!(
            out,
            "| {:.0} | {} | {} | {:.0} | {:.2} | {:.0} | {} |",
            s.at_s, s.requests, s.errors, s.rps, s.p99_ms, s.rss_mib, s.fds
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::slope;

    #[test]
    fn slope_of_a_line_and_of_a_flat_series() {
        let line: Vec<_> = (0..10)
            .map(|i| (f64::from(i), 3.0 * f64::from(i) + 1.0))
            .collect();
        assert!((slope(&line) - 3.0).abs() < 1e-9);
        let flat: Vec<_> = (0..10).map(|i| (f64::from(i), 7.0)).collect();
        assert_eq!(slope(&flat), 0.0);
        assert_eq!(slope(&[(1.0, 2.0)]), 0.0);
    }
}
