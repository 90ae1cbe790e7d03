//! Integration tests: the real service against a real Kafka-protocol broker
//! (librdkafka's mock cluster and a tansu process), checked from outside
//! through a Kafka client and HTTP, as a user would.

mod audit;
mod helpers;

mod cli;
mod breaker;
mod delivery;
mod exactly_once;
mod faults;
mod fetch;
mod http;
mod pipeline;
mod prometheus;
