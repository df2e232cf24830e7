//! The persistent outgoing delivery queue.
//!
//! [`crate::federation::enqueue`] stores an activity once and one `deliveries` row per inbox,
//! then wakes the workers; it never waits for delivery. The [`worker`] tasks claim due rows with a lease,
//! sign and send them, and record the outcome; [`policy`] holds every constant of the queue. Rows live
//! in the database, so a restart (or a crash) loses nothing.

pub mod policy;
pub mod schemes;
pub mod worker;

pub use policy::QueuePolicy;
pub use worker::{spawn_workers, spawn_workers_with};

pub use crate::federation::enqueue::{OutgoingActivity, QueueHandle};
