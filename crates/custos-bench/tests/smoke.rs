//! A quick run of the whole harness at a tiny size, so that it cannot rot: every scenario runs
//! against custos and the baseline without a failed request, and the report is written. No
//! figure is asserted (speed is measured by the harness, never by a test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn every_scenario_runs_against_custos_and_the_baseline() {
    let bench = std::path::PathBuf::from(env!("CARGO_BIN_EXE_custos-bench"));
    let custos = bench.with_file_name("custos");
    assert!(
        custos.exists(),
        "{} is missing: cargo builds it with the workspace",
        custos.display()
    );
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(&bench)
        .args([
            "run",
            "--customers",
            "60,120",
            "--records",
            "1",
            "--seconds",
            "1",
            "--connections",
            "4",
        ])
        .arg("--custos")
        .arg(&custos)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Two sizes: a report each, then how the figures grow, as a table and a chart.
    let one = out.path().join("120");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("results.json")).unwrap()).unwrap();
    assert_eq!(r["customers"], 120);
    assert!(out.path().join("60/report.md").exists());
    let growth = std::fs::read_to_string(out.path().join("growth.md")).unwrap();
    assert!(
        growth.contains("| read by id, 8 conn. | 60 |")
            && growth.contains("| read by id, 8 conn. | 120 |"),
        "{growth}"
    );
    let chart = std::fs::read_to_string(out.path().join("chart.svg")).unwrap();
    assert!(chart.starts_with("<svg") && chart.trim_end().ends_with("</svg>"));
    assert_eq!(
        chart.matches("<polyline").count(),
        20,
        "two panels, five scenarios, custos and baseline"
    );
    let load = r["load"].as_array().unwrap();
    let names: Vec<&str> = load
        .iter()
        .map(|l| l["scenario"].as_str().unwrap())
        .collect();
    for want in [
        "read by id, 4 conn.",
        "read by id, 8 conn.",
        "search by e-mail, 4 conn.",
        "name type-ahead, 8 conn.",
        "create, 4 conn.",
        "update with If-Match, 4 conn.",
        "POS mix (70/20/10), 4 conn.",
        "erasure, 4 conn.",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    for l in load {
        assert_eq!(
            l["errors"], 0,
            "custos failed requests in {}",
            l["scenario"]
        );
        assert_eq!(
            l["baseline_errors"], 0,
            "the baseline failed in {}",
            l["scenario"]
        );
        assert!(l["rps"].as_f64().unwrap() > 0.0, "{}", l["scenario"]);
        assert!(
            l["baseline_rps"].as_f64().unwrap() > 0.0,
            "{}",
            l["scenario"]
        );
        assert!(l["rss_mib"].as_f64().unwrap() > 0.0);
    }
    let once: Vec<&str> = r["once"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["scenario"].as_str().unwrap())
        .collect();
    for want in [
        "bulk import (rows/s)",
        "retention sweep, 10 % expired (customers/s)",
        "backup create (s)",
        "backup restore (s)",
    ] {
        assert!(once.contains(&want), "{want} missing");
    }
    // The audit trail holds at least one event per customer imported and request made.
    assert!(r["audit"][0].as_u64().unwrap() > 120, "{}", r["audit"]);
    let md = std::fs::read_to_string(one.join("report.md")).unwrap();
    assert!(md.contains("| scenario | req/s |") && md.contains("custos / baseline"));
    assert!(stdout.contains(&md), "the table printed is the one written");
    assert!(stdout.contains(&growth));

    // Sizes run one at a time combine into the same growth table and chart afterwards, in
    // order of size whatever the order given.
    let again = out.path().join("again");
    let o = Command::new(&bench)
        .arg("growth")
        .arg(one.join("results.json"))
        .arg(out.path().join("60"))
        .arg("--out")
        .arg(&again)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(again.join("growth.md")).unwrap(),
        growth
    );
    assert_eq!(
        std::fs::read_to_string(again.join("chart.svg")).unwrap(),
        chart
    );
    // Runs of two stores, or a file that is no report, are refused with the reason.
    let pg = out.path().join("pg.json");
    let mut other = r.clone();
    other["store"] = "PostgreSQL".into();
    std::fs::write(&pg, other.to_string()).unwrap();
    let refused = |file: &std::path::Path| {
        let o = Command::new(&bench)
            .arg("growth")
            .arg(out.path().join("60"))
            .arg(file)
            .arg("--out")
            .arg(out.path().join("never"))
            .output()
            .unwrap();
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    assert!(refused(&pg).contains("different stores"));
    assert!(refused(&one.join("report.md")).contains("is not a custos-bench report"));
    assert!(!out.path().join("never").exists());
}

#[test]
fn the_same_runs_on_postgresql() {
    // An administrator's URL, as the store's own PostgreSQL tests take it.
    let admin = std::env::var("CUSTOS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let bench = std::path::PathBuf::from(env!("CARGO_BIN_EXE_custos-bench"));
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(&bench)
        .args([
            "run",
            "--customers",
            "60",
            "--records",
            "1",
            "--seconds",
            "1",
            "--connections",
            "4",
            "--postgres",
            &admin,
        ])
        .arg("--custos")
        .arg(bench.with_file_name("custos"))
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("results.json")).unwrap())
            .unwrap();
    assert_eq!(r["store"], "PostgreSQL");
    let load = r["load"].as_array().unwrap();
    assert_eq!(load.len(), 11, "{load:?}");
    for l in load {
        assert_eq!(l["errors"], 0, "custos failed in {}", l["scenario"]);
        assert_eq!(
            l["baseline_errors"], 0,
            "the baseline failed in {}",
            l["scenario"]
        );
        assert!(l["rps"].as_f64().unwrap() > 0.0 && l["baseline_rps"].as_f64().unwrap() > 0.0);
    }
    // Backup and restore ran on both: the baseline through pg_dump and pg_restore.
    let once = r["once"].as_array().unwrap();
    assert!(once
        .iter()
        .any(|o| o["scenario"] == "backup restore (s)" && o["baseline"].as_f64().unwrap() > 0.0));
}
