use super::*;

fn row(attempts: i64, created_at: DateTime<Utc>) -> ClaimedDelivery {
    ClaimedDelivery {
        id: 1,
        activity_id: "https://chorus.example/activities/1".into(),
        inbox: "https://social.example/inbox".into(),
        domain: "social.example".into(),
        attempts,
        created_at,
    }
}

#[test]
fn statuses_that_retrying_cannot_change_are_permanent() {
    for code in [400, 403, 404, 410, 422, 301, 302] {
        let a = classify_status(StatusCode::from_u16(code).unwrap());
        assert!(matches!(a.result, Sent::Permanent(_)), "{code}");
    }
    for code in [401, 408, 429, 500, 502, 503, 504] {
        let a = classify_status(StatusCode::from_u16(code).unwrap());
        assert!(matches!(a.result, Sent::Transient(_)), "{code}");
    }
    for code in [200, 201, 202, 204] {
        let a = classify_status(StatusCode::from_u16(code).unwrap());
        assert!(
            matches!(a.result, Sent::Delivered) && a.instance == Some(true),
            "{code}"
        );
    }
    assert_eq!(
        classify_status(StatusCode::SERVICE_UNAVAILABLE).instance,
        Some(false)
    );
    assert_eq!(classify_status(StatusCode::NOT_FOUND).instance, Some(true));
}

#[test]
fn transient_failures_retry_until_the_schedule_runs_out() {
    let policy = QueuePolicy::default();
    let now = Utc::now();
    let first = decide(&policy, &row(0, now), Sent::Transient("503".into()), now);
    let wait = chrono::Duration::from_std(policy.retry_delay(1, 1).unwrap()).unwrap();
    assert_eq!(
        first,
        Outcome::Retry {
            at: now + wait,
            error: "503".into()
        }
    );
    let last = policy.retry_schedule.len() as i64;
    let out = decide(&policy, &row(last, now), Sent::Transient("503".into()), now);
    assert!(matches!(out, Outcome::Dead { .. }), "{out:?}");
    let old = now - chrono::Duration::from_std(policy.give_up_after).unwrap();
    let out = decide(
        &policy,
        &row(1, old),
        Sent::Transient("timed out".into()),
        now,
    );
    assert!(matches!(out, Outcome::Dead { .. }), "{out:?}");
}
