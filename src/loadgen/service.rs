//! The service under test, seen from outside: started as a child process
//! (its embedded broker inside it), timed until `/readyz` answers, its
//! memory and CPU read from `/proc`, its counters from `/metrics`, stopped
//! with SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A `tradewire run` child process.
pub struct Service {
    child: Child,
    pub http: SocketAddr,
    /// The embedded broker's bootstrap address.
    pub bootstrap: String,
    pub ready_after: Duration,
}

impl Service {
    /// Starts `exe run` with an ephemeral HTTP port and the given
    /// `TRADEWIRE__*` settings, and waits until `/readyz` says ready.
    pub fn spawn(
        exe: &Path,
        env: &[(String, String)],
        log: Option<&Path>,
    ) -> Result<Service, String> {
        let started = Instant::now();
        let mut cmd = Command::new(exe);
        cmd.arg("run")
            .env("TRADEWIRE_LOG_FORMAT", "json")
            .env("TRADEWIRE__HTTP__LISTEN", "127.0.0.1:0")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("starting {}: {e}", exe.display()))?;
        let stderr = child.stderr.take().expect("piped");
        let mut log = match log {
            Some(p) => Some(
                std::fs::File::create(p).map_err(|e| format!("creating {}: {e}", p.display()))?,
            ),
            None => None,
        };
        let (tx, rx) = mpsc::channel::<(&'static str, String)>();
        // Drain the child's log for its whole life, or it blocks on a full pipe.
        std::thread::Builder::new()
            .name("loadgen-service-log".into())
            .spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(f) = log.as_mut() {
                        let _ = writeln!(f, "{line}");
                    }
                    let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                        continue;
                    };
                    let message = v["message"].as_str().unwrap_or_default();
                    if message.starts_with("embedded Kafka broker started") {
                        let _ = tx.send((
                            "bootstrap",
                            v["bootstrap"].as_str().unwrap_or_default().to_owned(),
                        ));
                    } else if message.starts_with("http listening") {
                        let _ =
                            tx.send(("http", v["addr"].as_str().unwrap_or_default().to_owned()));
                    } else if message.contains("tradewire stopped") {
                        let _ = tx.send(("failed", v["error"].to_string()));
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        let (mut bootstrap, mut http) = (None, None);
        let deadline = started + Duration::from_secs(30);
        while bootstrap.is_none() || http.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(("bootstrap", b)) => bootstrap = Some(b),
                Ok(("http", a)) => http = Some(a),
                Ok((_, error)) => return Err(format!("the service stopped: {error}")),
                Err(_) => {
                    let _ = child.kill();
                    return Err(
                        "the service did not log an embedded broker and an HTTP address within 30 s \
                         (is kafka.brokers set in its environment?)"
                            .into(),
                    );
                }
            }
        }
        let http: SocketAddr = http
            .unwrap_or_default()
            .parse()
            .map_err(|e| format!("the service's HTTP address: {e}"))?;
        while !ready(http) {
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("the service was not ready within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(Service {
            ready_after: started.elapsed(),
            child,
            http,
            bootstrap: bootstrap.unwrap_or_default(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then waits for the graceful stop (kills after 40 s).
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One plain HTTP/1.0 GET on a fresh connection: (status, body).
pub fn http_get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    s.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    Some((status, body))
}

pub fn ready(http: SocketAddr) -> bool {
    http_get(http, "/readyz").is_some_and(|(status, _)| status == 200)
}

/// The sum of every series of `name` in a Prometheus text exposition.
pub fn metric_sum(exposition: &str, name: &str) -> Option<u64> {
    let mut found = None;
    for line in exposition.lines().filter(|l| !l.starts_with('#')) {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        if !(rest.starts_with(' ') || rest.starts_with('{')) {
            continue;
        }
        let value: f64 = rest.rsplit(' ').next()?.parse().ok()?;
        *found.get_or_insert(0) += value as u64;
    }
    found
}

/// Peak resident memory of `pid` so far (`VmHWM`), in kB.
pub fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU time `pid` has used (user + system, all threads), in seconds.
pub fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are
    // fields 14 and 15 of the whole line.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / clock_ticks() as f64)
}

fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_sums_add_up_labelled_series_only_of_that_name() {
        let text = "# HELP x\n\
                    tradewire_articles_dead_lettered_total{reason=\"invalid_json\"} 3\n\
                    tradewire_articles_dead_lettered_total{reason=\"too_large\"} 2\n\
                    tradewire_articles_consumed_total 10\n\
                    tradewire_articles_consumed_total_extra 99\n";
        assert_eq!(
            metric_sum(text, "tradewire_articles_dead_lettered_total"),
            Some(5)
        );
        assert_eq!(
            metric_sum(text, "tradewire_articles_consumed_total"),
            Some(10)
        );
        assert_eq!(metric_sum(text, "tradewire_missing"), None);
    }

    #[test]
    fn this_process_has_memory_and_cpu() {
        let me = std::process::id();
        assert!(peak_rss_kb(me).unwrap() > 0);
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(50) {
            std::hint::black_box(0);
        }
        assert!(cpu_secs(me).unwrap() > 0.0);
    }
}
