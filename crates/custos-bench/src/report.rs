//! The report: one line per scenario with custos's figures, the baseline's, and their ratio,
//! printed as a table and written as Markdown (report.md) and JSON (results.json).

use crate::load::Stats;
use crate::RunArgs;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

/// One measured scenario under load.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadRow {
    pub scenario: String,
    pub rps: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
    pub rss_mib: f64,
    pub baseline_rps: f64,
    pub baseline_p99_ms: f64,
    pub baseline_errors: u64,
    pub baseline_rss_mib: f64,
}

/// One timed operation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OnceRow {
    pub scenario: String,
    pub custos: f64,
    pub baseline: f64,
    /// Higher is better (a rate), else lower is (a time).
    pub rate: bool,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub date: String,
    pub machine: String,
    /// The database both run on: `SQLite` or `PostgreSQL`.
    pub store: String,
    pub customers: u64,
    pub records_each: u64,
    pub seconds: u64,
    pub load: Vec<LoadRow>,
    pub once: Vec<OnceRow>,
    pub startup_ms: f64,
    pub baseline_startup_ms: f64,
    pub pos_rss_mib: f64,
    /// Audit events and events verified per second.
    pub audit: Option<(u64, f64)>,
}

pub(crate) fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores ({cpu}), {mem:.0} GiB")
}

/// The number of events `custos audit verify` reports (`ok: N events, …`).
pub fn events_of(out: &str) -> Option<u64> {
    out.split_whitespace()
        .zip(out.split_whitespace().skip(1))
        .find(|(_, w)| w.trim_end_matches(',') == "events")
        .and_then(|(n, _)| n.parse().ok())
}

impl Report {
    pub fn new(a: &RunArgs, customers: u64) -> Report {
        Report {
            date: time::OffsetDateTime::now_utc().date().to_string(),
            machine: machine(),
            store: if a.postgres.is_some() {
                "PostgreSQL".into()
            } else {
                "SQLite".into()
            },
            customers,
            records_each: a.records,
            seconds: a.seconds,
            load: Vec::new(),
            once: Vec::new(),
            startup_ms: 0.0,
            baseline_startup_ms: 0.0,
            pos_rss_mib: 0.0,
            audit: None,
        }
    }

    pub fn load(&mut self, name: &str, a: &Stats, z: &Stats, rss: f64, base_rss: f64) {
        self.load.push(LoadRow {
            scenario: name.to_owned(),
            rps: a.rps(),
            p50_ms: a.pct(50.0),
            p95_ms: a.pct(95.0),
            p99_ms: a.pct(99.0),
            errors: a.errors,
            rss_mib: rss,
            baseline_rps: z.rps(),
            baseline_p99_ms: z.pct(99.0),
            baseline_errors: z.errors,
            baseline_rss_mib: base_rss,
        });
    }

    pub fn once(&mut self, name: &str, custos: f64, baseline: f64, rate: bool) {
        self.once.push(OnceRow {
            scenario: name.to_owned(),
            custos,
            baseline,
            rate,
        });
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "custos-bench, {}: {} customers ({} purchases each), {} s per scenario, on {}, {}.\n",
            self.date, self.customers, self.records_each, self.seconds, self.store, self.machine
        );
        s.push_str("| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | server RSS MiB | baseline req/s | baseline p99 ms | baseline errors | custos / baseline (req/s) |\n");
        s.push_str(
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        );
        for r in &self.load {
            let _ =
                writeln!(
                s,
                "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {:.0} | {:.0} | {:.2} | {} | {:.2} |",
                r.scenario,
                r.rps,
                r.p50_ms,
                r.p95_ms,
                r.p99_ms,
                r.errors,
                r.rss_mib,
                r.baseline_rps,
                r.baseline_p99_ms,
                r.baseline_errors,
                if r.baseline_rps > 0.0 { r.rps / r.baseline_rps } else { 0.0 }
            );
        }
        s.push_str("\n| operation | custos | baseline | custos / baseline |\n| --- | ---: | ---: | ---: |\n");
        for r in &self.once {
            let _ = writeln!(
                s,
                "| {} | {:.1} | {:.1} | {:.2}{} |",
                r.scenario,
                r.custos,
                r.baseline,
                if r.baseline > 0.0 {
                    r.custos / r.baseline
                } else {
                    0.0
                },
                if r.rate { "" } else { " (time)" }
            );
        }
        if let Some((events, rate)) = self.audit {
            let _ = writeln!(
                s,
                "| audit verify ({events} events, events/s) | {rate:.0} | — | — |"
            );
        }
        let _ = writeln!(
            s,
            "| start-up to first answer (ms) | {:.0} | {:.0} | {:.2} (time) |",
            self.startup_ms,
            self.baseline_startup_ms,
            if self.baseline_startup_ms > 0.0 {
                self.startup_ms / self.baseline_startup_ms
            } else {
                0.0
            }
        );
        let _ = writeln!(
            s,
            "\nServer RSS under the POS mix: {:.0} MiB.",
            self.pos_rss_mib
        );
        s
    }

    /// Prints the table and writes report.md and results.json into `out`.
    pub fn finish(&self, out: &Path) -> anyhow::Result<()> {
        let md = self.markdown();
        print!("{md}");
        std::fs::create_dir_all(out)?;
        std::fs::write(out.join("report.md"), &md)?;
        std::fs::write(
            out.join("results.json"),
            serde_json::to_string_pretty(self)?,
        )?;
        eprintln!("custos-bench: written to {}", out.display());
        Ok(())
    }
}

/// The scenarios the growth table and chart follow.
const GROWTH: [&str; 5] = [
    "read by id, 8 conn.",
    "search by e-mail, 8 conn.",
    "name type-ahead, 8 conn.",
    "create, 8 conn.",
    "POS mix (70/20/10)",
];

fn row<'a>(r: &'a Report, prefix: &str) -> Option<&'a LoadRow> {
    r.load.iter().find(|l| l.scenario.starts_with(prefix))
}

/// The growth table and chart of runs written earlier (`results.json` or its directory),
/// ordered by size; they must be of one store.
pub fn growth_of(runs: &[std::path::PathBuf], out: &Path) -> anyhow::Result<()> {
    let mut reports = Vec::with_capacity(runs.len());
    for run in runs {
        let file = if run.is_dir() {
            run.join("results.json")
        } else {
            run.clone()
        };
        let text = std::fs::read_to_string(&file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
        let r: Report = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a custos-bench report: {e}", file.display()))?;
        reports.push(r);
    }
    if let Some(other) = reports.iter().find(|r| r.store != reports[0].store) {
        anyhow::bail!(
            "the runs are of different stores ({} and {}): compare like with like",
            reports[0].store,
            other.store
        );
    }
    reports.sort_by_key(|r| r.customers);
    growth(&reports, out)
}

/// How each figure grows with the number of customers: growth.md (a table) and chart.svg
/// (throughput and p99 latency by N, custos and baseline), written to `out`.
pub fn growth(reports: &[Report], out: &Path) -> anyhow::Result<()> {
    // Runs combined afterwards may come from several days or machines: each is named.
    let distinct = |f: fn(&Report) -> &str| {
        let mut v: Vec<&str> = Vec::new();
        for r in reports {
            if !v.contains(&f(r)) {
                v.push(f(r));
            }
        }
        v.join(" and ")
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "custos-bench growth, {}, on {}, {}.\n",
        distinct(|r| r.date.as_str()),
        distinct(|r| r.store.as_str()),
        distinct(|r| r.machine.as_str())
    );
    s.push_str("| scenario | customers | req/s | p99 ms | baseline req/s | baseline p99 ms | server RSS MiB |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for name in GROWTH {
        for r in reports {
            if let Some(l) = row(r, name) {
                let _ = writeln!(
                    s,
                    "| {} | {} | {:.0} | {:.2} | {:.0} | {:.2} | {:.0} |",
                    l.scenario,
                    r.customers,
                    l.rps,
                    l.p99_ms,
                    l.baseline_rps,
                    l.baseline_p99_ms,
                    l.rss_mib
                );
            }
        }
    }
    s.push_str("\n| operation | customers | custos | baseline |\n| --- | ---: | ---: | ---: |\n");
    for r in reports {
        for o in &r.once {
            let _ = writeln!(
                s,
                "| {} | {} | {:.1} | {:.1} |",
                o.scenario, r.customers, o.custos, o.baseline
            );
        }
        if let Some((events, rate)) = r.audit {
            let _ = writeln!(
                s,
                "| audit verify ({events} events, events/s) | {} | {rate:.0} | — |",
                r.customers
            );
        }
    }
    print!("{s}");
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("growth.md"), &s)?;
    std::fs::write(out.join("chart.svg"), chart(reports))?;
    eprintln!("custos-bench: growth written to {}", out.display());
    Ok(())
}

/// Two panels — throughput and p99 at 8 connections — with N on a logarithmic axis; custos
/// solid, the baseline dashed, one colour per scenario.
pub fn chart(reports: &[Report]) -> String {
    const W: f64 = 900.0;
    const PANEL_H: f64 = 260.0;
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 230.0;
    const COLOURS: [&str; 5] = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c"];
    let ns: Vec<f64> = reports
        .iter()
        .map(|r| (r.customers.max(1) as f64).log10())
        .collect();
    let (nmin, nmax) = ns
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &n| (a.min(n), b.max(n)));
    let span = (nmax - nmin).max(1e-9);
    let x = |n: f64| LEFT + (n - nmin) / span * (W - LEFT - RIGHT);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {}\" font-family=\"sans-serif\" font-size=\"12\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
        2.0 * PANEL_H + 80.0
    );
    type Figure = fn(&LoadRow) -> f64;
    let panels: [(&str, Figure, Figure); 2] = [
        ("requests per second", |l| l.rps, |l| l.baseline_rps),
        ("p99 latency (ms)", |l| l.p99_ms, |l| l.baseline_p99_ms),
    ];
    for (pi, (title, ours, theirs)) in panels.iter().enumerate() {
        let top = 30.0 + pi as f64 * (PANEL_H + 40.0);
        let max = reports
            .iter()
            .flat_map(|r| GROWTH.iter().filter_map(move |g| row(r, g)))
            .flat_map(|l| [ours(l), theirs(l)])
            .fold(0.0f64, f64::max)
            .max(1e-9);
        let y = |v: f64| top + PANEL_H - v / max * PANEL_H;
        let _ = write!(
            svg,
            "<text x=\"{LEFT}\" y=\"{}\" font-weight=\"bold\">{title} by customers (custos solid, baseline dashed)</text><line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/><line x1=\"{LEFT}\" y1=\"{top}\" x2=\"{LEFT}\" y2=\"{}\" stroke=\"#999\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max:.0}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
            top - 8.0,
            top + PANEL_H,
            W - RIGHT,
            top + PANEL_H,
            top + PANEL_H,
            LEFT - 6.0,
            top + 4.0,
            LEFT - 6.0,
            top + PANEL_H
        );
        for (r, n) in reports.iter().zip(&ns) {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x(*n),
                top + PANEL_H + 16.0,
                r.customers
            );
        }
        for (gi, g) in GROWTH.iter().enumerate() {
            let colour = COLOURS[gi % COLOURS.len()];
            for (dash, pick) in [("", ours), (" stroke-dasharray=\"5 4\"", theirs)] {
                let pts: Vec<String> = reports
                    .iter()
                    .zip(&ns)
                    .filter_map(|(r, n)| {
                        row(r, g).map(|l| format!("{:.1},{:.1}", x(*n), y(pick(l))))
                    })
                    .collect();
                if !pts.is_empty() {
                    let _ = write!(
                        svg,
                        "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
                        pts.join(" ")
                    );
                }
            }
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{}\" fill=\"{colour}\">{}</text>",
                W - RIGHT + 10.0,
                top + 16.0 + gi as f64 * 16.0,
                g.trim_end_matches(", 8 conn.")
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}
