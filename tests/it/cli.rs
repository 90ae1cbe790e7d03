//! The binary as a user runs it: batch mode, bad configuration, and the
//! embedded broker with the real `kcat` as an outside client.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::*;

fn tradewire() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tradewire"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

#[test]
fn batch_mode_enriches_good_lines_in_order_and_names_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let mut f = std::fs::File::create(&input).unwrap();
    writeln!(f, "{}", article(1)).unwrap();
    writeln!(f, "this is not json").unwrap();
    writeln!(f, "{}", article(2)).unwrap();
    writeln!(f, r#"{{"title":"no body, no url"}}"#).unwrap();
    writeln!(f, "{}", article(3)).unwrap();
    drop(f);

    let out = tradewire()
        .args(["enrich", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit status says some lines failed"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids, ["a-00001", "a-00002", "a-00003"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("line 2: invalid_json"), "{stderr}");
    assert!(stderr.contains("line 4: missing_content"), "{stderr}");

    let mut child = tradewire()
        .arg("enrich")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{}", article(9)).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "all lines good: exit 0");
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("\"a-00009\""));
}

#[test]
fn an_invalid_setting_stops_startup_naming_the_key() {
    let out = tradewire()
        .env("TRADEWIRE__PIPELINE__MAX_IN_FLIGHT", "0")
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("pipeline.max_in_flight"), "{stderr}");

    // A delivery timeout would let a given-up record be re-sent behind
    // later ones: refused at start, not discovered as reordered output.
    let out = tradewire()
        .env("TRADEWIRE__KAFKA__PRODUCER__MESSAGE_TIMEOUT_MS", "1500")
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("kafka.producer.message.timeout.ms") && stderr.contains("order"),
        "{stderr}"
    );
}

fn kcat(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new("kcat")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kcat is installed (apt-get install kcat; .ci/run does)");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

#[test]
fn with_no_configuration_it_runs_on_an_embedded_broker_that_kcat_can_use() {
    let mut child = tradewire()
        .env("TRADEWIRE_LOG_FORMAT", "json")
        .env("TRADEWIRE__HTTP__LISTEN", "127.0.0.1:0")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    // Drain the child's log for its whole life; report the broker address.
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if let Some(b) = v["bootstrap"].as_str() {
                let _ = tx.send(b.to_owned());
            }
        }
    });
    let bootstrap = rx.recv_timeout(Duration::from_secs(60)).ok();
    let bootstrap = bootstrap.expect("the embedded broker's address is logged");
    assert!(bootstrap.starts_with("127.0.0.1:"), "{bootstrap}");

    kcat(
        &["-P", "-b", &bootstrap, "-t", "articles.raw", "-k", "kc-1"],
        Some(&article(42)),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let record = loop {
        let out = kcat(
            &[
                "-C",
                "-b",
                &bootstrap,
                "-t",
                "articles.enriched",
                "-o",
                "beginning",
                "-e",
                "-q",
                "-f",
                "%k %s\\n",
            ],
            None,
        );
        if let Some(line) = out.lines().find(|l| l.starts_with("a-00042 ")) {
            break line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no enriched record came back through kcat"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(
        record.contains("\"schema\":\"tradewire.enriched.v1\""),
        "{record}"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "SIGTERM → exit 0, got {status}");
}

#[test]
fn loadgen_reads_back_every_message_it_sends_and_reports_the_service() {
    let out = tradewire()
        .args(["loadgen", "--count", "400", "--rate", "max"])
        // 1/32: exact in binary, so exactly 12 of 400 are poison.
        .args(["--poison-share", "0.03125", "--partitions", "2", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["sent"], 400, "{report}");
    assert_eq!(report["lost"], 0, "{report}");
    assert_eq!(report["duplicates"], 0, "{report}");
    assert_eq!(report["poison_sent"], 12, "{report}");
    assert_eq!(report["dead_letters"], 12, "every poison is dead-lettered");
    assert_eq!(report["records"], 388, "{report}");
    assert_eq!(report["latency"]["samples"], 400, "{report}");
    let service = &report["service"];
    assert_eq!(service["consumed"], 400, "the service's own count agrees");
    assert_eq!(service["dead_lettered"], 12, "{report}");
    assert!(service["ready_ms"].as_u64().is_some(), "{report}");
    assert!(service["peak_rss_mb"].as_f64().unwrap() > 10.0, "{report}");
}
