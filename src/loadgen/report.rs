//! What a load-test run measured, and how it is printed.

use std::fmt;

use serde::Serialize;

/// End-to-end latencies in microseconds, kept whole: a minute at 10,000
/// messages a second is 600,000 numbers, a few megabytes.
#[derive(Debug, Default)]
pub struct Latencies {
    micros: Vec<u64>,
}

impl Latencies {
    pub fn record(&mut self, micros: u64) {
        self.micros.push(micros);
    }

    pub fn summary(mut self) -> LatencySummary {
        self.micros.sort_unstable();
        let ms = |p| percentile(&self.micros, p) as f64 / 1000.0;
        LatencySummary {
            samples: self.micros.len() as u64,
            p50_ms: ms(50.0),
            p95_ms: ms(95.0),
            p99_ms: ms(99.0),
            max_ms: ms(100.0),
        }
    }
}

/// Nearest-rank percentile of sorted values: the smallest value with at
/// least `p`% of the values at or below it. 0 when there are none.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LatencySummary {
    pub samples: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The service's side, when the load test can see its process.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceStats {
    /// From start to the first `200` on `/readyz` (when spawned here).
    pub ready_ms: Option<u64>,
    /// Peak resident memory (`VmHWM`), embedded broker included when it
    /// runs inside the service.
    pub peak_rss_mb: Option<f64>,
    /// Average cores the service used while messages were flowing.
    pub cpu_cores: Option<f64>,
    /// Service CPU time per message, microseconds.
    pub cpu_us_per_message: Option<f64>,
    /// Counters read from `/metrics` at the end (a cross-check).
    pub consumed: Option<u64>,
    pub produced: Option<u64>,
    pub dead_lettered: Option<u64>,
    pub backpressure_waits: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// `max` or the fixed rate asked for, messages per second.
    pub rate: String,
    pub partitions: Option<i32>,
    pub sent: u64,
    pub trade_articles: u64,
    pub poison_sent: u64,
    pub send_errors: u64,
    /// Enriched records read back from the output topic.
    pub records: u64,
    /// Dead letters read back from the dead-letter topic.
    pub dead_letters: u64,
    pub duplicates: u64,
    /// Sent and never seen on either topic.
    pub lost: u64,
    /// Messages per second handed to the broker.
    pub produced_per_sec: f64,
    /// Results (records + dead letters) per second, from the first send to
    /// the last result.
    pub delivered_per_sec: f64,
    pub wall_secs: f64,
    pub latency: LatencySummary,
    pub service: ServiceStats,
    /// Cores the load generator itself used (it shares the machine).
    pub loadgen_cpu_cores: Option<f64>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opt =
            |v: Option<f64>, unit: &str| v.map_or("n/a".to_owned(), |v| format!("{v:.1}{unit}"));
        writeln!(
            f,
            "rate {}  partitions {}",
            self.rate,
            self.partitions.map_or("?".into(), |p| p.to_string())
        )?;
        writeln!(
            f,
            "sent         {} ({} trade, {} poison, {} send errors) in {:.1} s",
            self.sent, self.trade_articles, self.poison_sent, self.send_errors, self.wall_secs
        )?;
        writeln!(
            f,
            "received     {} records + {} dead letters; {} duplicates; {} lost",
            self.records, self.dead_letters, self.duplicates, self.lost
        )?;
        writeln!(
            f,
            "throughput   produced {:.0}/s, delivered end to end {:.0}/s",
            self.produced_per_sec, self.delivered_per_sec
        )?;
        let l = &self.latency;
        writeln!(
            f,
            "latency      p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  max {:.1} ms  ({} samples)",
            l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms, l.samples
        )?;
        let s = &self.service;
        writeln!(
            f,
            "service      ready {}  peak RSS {}  CPU {} cores, {} per message",
            s.ready_ms.map_or("n/a".into(), |ms| format!("{ms} ms")),
            opt(s.peak_rss_mb, " MB"),
            opt(s.cpu_cores, ""),
            opt(s.cpu_us_per_message, " µs"),
        )?;
        if let (Some(c), Some(p), Some(d)) = (s.consumed, s.produced, s.dead_lettered) {
            writeln!(
                f,
                "service says consumed {c}, produced {p}, dead-lettered {d}, backpressure waits {}",
                s.backpressure_waits.unwrap_or(0)
            )?;
        }
        write!(
            f,
            "load generator CPU {} cores",
            opt(self.loadgen_cpu_cores, "")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 99.5), 100);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&v, 0.0), 1);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 99.0), 0);
        // 1000 samples, ten of them slow: p99 is the last fast one.
        let mut v = vec![5u64; 990];
        v.extend([900; 10]);
        assert_eq!(percentile(&v, 99.0), 5);
        assert_eq!(percentile(&v, 99.1), 900);
    }

    #[test]
    fn summary_sorts_and_converts_to_milliseconds() {
        let mut l = Latencies::default();
        for us in [3000, 1000, 2000, 250_000] {
            l.record(us);
        }
        let s = l.summary();
        assert_eq!(s.samples, 4);
        assert_eq!(s.p50_ms, 2.0);
        assert_eq!(s.max_ms, 250.0);
    }
}
