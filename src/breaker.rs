//! The poison-rate circuit breaker: when a broken upstream deploy turns
//! most input into dead letters, stop consuming and say so, rather than
//! dead-letter the whole topic.
//!
//! Every settled message is recorded (dead letter or not) in a window of
//! the last `window` messages. Once the window is full and the share of
//! dead letters exceeds `max_dead_letter_ratio`, the breaker opens: the
//! pipeline pauses its partitions, `/readyz` answers 503 with the reason,
//! `tradewire_breaker_open` is 1 and an error is logged. It stays open until
//! the process restarts (after the upstream is fixed), so that an operator
//! decides when the topic is worth reading again.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::config::BreakerConfig;
use crate::telemetry::Metrics;

pub struct Breaker {
    enabled: bool,
    window: usize,
    max_ratio: f64,
    state: Mutex<State>,
    /// Mirrors `State::open.is_some()`, read on every consumed message
    /// without taking the lock.
    open: AtomicBool,
    metrics: Metrics,
}

#[derive(Default)]
struct State {
    /// Outcomes of the last `window` settled messages, true = dead letter.
    recent: VecDeque<bool>,
    dead: usize,
    /// Why consumption stopped, once it has.
    open: Option<String>,
}

impl Breaker {
    pub fn new(config: &BreakerConfig, metrics: Metrics) -> Breaker {
        Breaker {
            enabled: config.enabled,
            window: config.window,
            max_ratio: config.max_dead_letter_ratio,
            state: Mutex::new(State::default()),
            open: AtomicBool::new(false),
            metrics,
        }
    }

    /// Records one settled message. Returns the reason when this message
    /// opened the breaker.
    pub fn record(&self, dead_letter: bool) -> Option<String> {
        if !self.enabled {
            return None;
        }
        let mut s = self.state.lock().expect("not poisoned");
        s.recent.push_back(dead_letter);
        s.dead += usize::from(dead_letter);
        if s.recent.len() > self.window {
            let oldest = s.recent.pop_front().expect("not empty");
            s.dead -= usize::from(oldest);
        }
        if s.open.is_some() || s.recent.len() < self.window {
            return None;
        }
        let ratio = s.dead as f64 / self.window as f64;
        if ratio <= self.max_ratio {
            return None;
        }
        let reason = format!(
            "{} of the last {} messages were dead letters ({:.0}% > {:.0}%): \
             consumption stopped; fix the upstream, then restart tradewire",
            s.dead,
            self.window,
            ratio * 100.0,
            self.max_ratio * 100.0
        );
        tracing::error!(
            dead_letters = s.dead,
            window = self.window,
            max_ratio = self.max_ratio,
            "poison-rate circuit breaker opened: {reason}"
        );
        self.metrics.breaker_open.set(1);
        self.metrics.breaker_trips.inc();
        s.open = Some(reason.clone());
        self.open.store(true, Ordering::Relaxed);
        Some(reason)
    }

    /// Why consumption is stopped, if it is.
    pub fn open_reason(&self) -> Option<String> {
        self.state.lock().expect("not poisoned").open.clone()
    }

    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(window: usize, ratio: f64) -> Breaker {
        let config = BreakerConfig {
            enabled: true,
            window,
            max_dead_letter_ratio: ratio,
        };
        Breaker::new(&config, Metrics::new())
    }

    #[test]
    fn stays_closed_until_the_window_is_full() {
        let b = breaker(10, 0.5);
        for _ in 0..9 {
            assert_eq!(b.record(true), None);
        }
        assert!(!b.is_open());
        let reason = b.record(true).expect("opens on the 10th dead letter");
        assert!(reason.contains("10 of the last 10"), "{reason}");
        assert!(b.is_open());
        assert_eq!(b.metrics.breaker_open.get(), 1);
        assert_eq!(b.metrics.breaker_trips.get(), 1);
    }

    #[test]
    fn a_healthy_share_of_poison_never_opens_it() {
        let b = breaker(20, 0.5);
        // Every other message poison: exactly 50%, not above.
        for i in 0..1000 {
            assert_eq!(b.record(i % 2 == 0), None);
        }
        assert!(!b.is_open());
    }

    #[test]
    fn the_window_slides_so_old_poison_is_forgotten() {
        let b = breaker(10, 0.5);
        for _ in 0..5 {
            b.record(true);
        }
        for _ in 0..100 {
            b.record(false);
        }
        // Five fresh dead letters: 5/10 is not above 50%.
        for _ in 0..5 {
            assert_eq!(b.record(true), None);
        }
        assert!(b.record(true).is_some(), "6/10 opens it");
    }

    #[test]
    fn it_stays_open_and_reports_once() {
        let b = breaker(10, 0.1);
        let opened: Vec<_> = (0..50).filter_map(|_| b.record(true)).collect();
        assert_eq!(opened.len(), 1);
        for _ in 0..50 {
            b.record(false);
        }
        assert!(b.is_open(), "only a restart closes it");
        assert_eq!(b.metrics.breaker_trips.get(), 1);
    }

    #[test]
    fn disabled_never_opens() {
        let config = BreakerConfig {
            enabled: false,
            window: 10,
            max_dead_letter_ratio: 0.1,
        };
        let b = Breaker::new(&config, Metrics::new());
        for _ in 0..100 {
            assert_eq!(b.record(true), None);
        }
        assert!(!b.is_open());
    }
}
