//! HTTP: `/metrics` (Prometheus), `/healthz` (the process runs), `/readyz`
//! (partitions assigned or the group joined, and a broker answered
//! recently), and `POST /v1/enrich` (one article, the same code path as the
//! Kafka pipeline).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::article::PoisonKind;
use crate::breaker::Breaker;
use crate::enrich::Enricher;
use crate::fetch::Fetcher;
use crate::pipeline::{fetch_body, prepare, Prepared};
use crate::source::Membership;
use crate::telemetry::Metrics;
use crate::workers::WorkerPool;

/// What `/readyz` decides from.
pub struct Readiness {
    membership: Option<Arc<Membership>>,
    breaker: Option<Arc<Breaker>>,
    last_broker_ok: Mutex<Option<Instant>>,
    unreachable_after: Duration,
    stopping: AtomicBool,
}

impl Readiness {
    /// `membership` is `None` when no consumer runs (HTTP-only use).
    pub fn new(
        membership: Option<Arc<Membership>>,
        breaker: Option<Arc<Breaker>>,
        unreachable_after: Duration,
    ) -> Readiness {
        Readiness {
            membership,
            breaker,
            last_broker_ok: Mutex::new(None),
            unreachable_after,
            stopping: AtomicBool::new(false),
        }
    }

    pub fn broker_answered(&self) {
        *self.last_broker_ok.lock().expect("not poisoned") = Some(Instant::now());
    }

    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// Whether the instance is ready now.
    pub fn is_ready(&self) -> bool {
        self.report().0
    }

    fn report(&self) -> (bool, serde_json::Value) {
        let joined = self.membership.as_ref().is_none_or(|m| m.joined());
        let since = self
            .last_broker_ok
            .lock()
            .expect("not poisoned")
            .map(|t| t.elapsed());
        let broker = since.is_some_and(|s| s <= self.unreachable_after);
        let stopping = self.stopping.load(Ordering::Relaxed);
        let partitions: Vec<String> = self
            .membership
            .as_ref()
            .map(|m| {
                m.assigned()
                    .into_iter()
                    .map(|(t, p)| format!("{t}/{p}"))
                    .collect()
            })
            .unwrap_or_default();
        let halted = self.breaker.as_ref().and_then(|b| b.open_reason());
        let ready = joined && broker && !stopping && halted.is_none();
        (
            ready,
            json!({
                "ready": ready,
                "group_joined": joined,
                "assigned_partitions": partitions,
                "broker_reachable": broker,
                "last_broker_answer_secs_ago": since.map(|s| s.as_secs_f64()),
                "stopping": stopping,
                "breaker_open": halted,
            }),
        )
    }
}

#[derive(Clone)]
pub struct HttpState {
    pub metrics: Metrics,
    pub enricher: Arc<Enricher>,
    pub fetcher: Fetcher,
    pub pool: WorkerPool,
    pub readiness: Arc<Readiness>,
    pub max_body_bytes: usize,
    pub max_message_bytes: usize,
}

pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/v1/enrich", post(enrich))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn observe(State(state): State<HttpState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = Instant::now();
    let response = next.run(req).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    state
        .metrics
        .http_requests
        .with_label_values(&[route.as_str(), status.as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}

async fn metrics(State(state): State<HttpState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<HttpState>) -> impl IntoResponse {
    let (ready, body) = state.readiness.report();
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

fn error(status: StatusCode, kind: &str, reason: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": kind, "reason": reason.into() })),
    )
        .into_response()
}

async fn enrich(State(state): State<HttpState>, body: Body) -> Response {
    let bytes = match to_bytes(body, state.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                PoisonKind::TooLarge.as_str(),
                format!(
                    "request body is over the {}-byte limit",
                    state.max_body_bytes
                ),
            )
        }
    };
    let enricher = state.enricher.clone();
    let max = state.max_message_bytes.max(state.max_body_bytes);
    let first = state
        .pool
        .run(move || prepare(&enricher, &bytes, max))
        .await;
    let result = match first {
        Ok(Ok(Prepared::NeedsFetch(article))) => match fetch_body(&state.fetcher, article).await {
            Ok(article) => {
                let enricher = state.enricher.clone();
                state.pool.run(move || Ok(enricher.enrich(&article))).await
            }
            Err(poison) => Ok(Err(poison)),
        },
        Ok(Ok(Prepared::Enriched(record))) => Ok(Ok(record)),
        Ok(Err(poison)) => Ok(Err(poison)),
        Err(panic) => Err(panic),
    };
    match result {
        Ok(Ok(record)) => Json(record).into_response(),
        Ok(Err(poison)) => {
            let status = match poison.kind {
                PoisonKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                PoisonKind::InvalidJson | PoisonKind::InvalidUtf8 => StatusCode::BAD_REQUEST,
                // The page behind the article's URL could not be had.
                PoisonKind::FetchTimeout
                | PoisonKind::FetchHttpStatus
                | PoisonKind::FetchConnect
                | PoisonKind::FetchDecode => StatusCode::BAD_GATEWAY,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            error(status, poison.kind.as_str(), poison.reason)
        }
        Err(panic) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            PoisonKind::EnrichFailed.as_str(),
            panic,
        ),
    }
}
