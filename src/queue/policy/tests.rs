use super::*;

#[test]
fn the_schedule_increases_and_spans_about_two_days() {
    assert!(RETRY_SCHEDULE.windows(2).all(|w| w[0] < w[1]));
    let total: Duration = RETRY_SCHEDULE.iter().sum();
    assert!(total >= 44 * HOUR && total <= 50 * HOUR, "total {total:?}");
    let with_jitter = total + total * JITTER_PERCENT / 100;
    assert!(with_jitter < GIVE_UP_AFTER);
}

#[test]
fn retries_run_out_after_the_schedule() {
    let policy = QueuePolicy::default();
    assert_eq!(policy.retry_delay(0, 1), None);
    let first = policy.retry_delay(1, 0).unwrap();
    assert_eq!(first, MINUTE);
    let last = RETRY_SCHEDULE.len() as i64;
    assert!(policy.retry_delay(last, 7).unwrap() >= DAY);
    assert_eq!(policy.retry_delay(last + 1, 7), None);
}

#[test]
fn jitter_only_lengthens_and_stays_bounded() {
    let policy = QueuePolicy::default();
    for id in 0..100 {
        let d = policy.retry_delay(2, id).unwrap();
        assert!(d >= RETRY_SCHEDULE[1]);
        assert!(d <= RETRY_SCHEDULE[1] + RETRY_SCHEDULE[1] * JITTER_PERCENT / 100);
    }
    assert_ne!(policy.retry_delay(3, 1), policy.retry_delay(3, 2));
}

#[test]
fn failing_instances_pause_for_as_long_as_they_have_failed() {
    let policy = QueuePolicy::default();
    let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let threshold = INSTANCE_FAILURE_THRESHOLD;
    assert_eq!(
        policy.instance_pause_until(threshold - 1, start, start),
        None
    );
    assert_eq!(
        policy.instance_pause_until(threshold, start, start),
        Some(start + chrono::Duration::minutes(1))
    );
    let later = start + chrono::Duration::minutes(20);
    assert_eq!(
        policy.instance_pause_until(threshold + 3, start, later),
        Some(later + chrono::Duration::minutes(20))
    );
    let much_later = start + chrono::Duration::days(2);
    assert_eq!(
        policy.instance_pause_until(99, start, much_later),
        Some(much_later + chrono::Duration::hours(6))
    );
}
