use chrono::{Duration, TimeZone, Utc};

use super::write::placement;
use super::*;

#[test]
fn actions_give_statuses() {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let later = now + Duration::hours(2);
    let earlier = now - Duration::days(400);
    assert_eq!(
        placement(Action::SaveDraft, None, None, now).unwrap().0,
        PostStatus::Draft
    );
    assert_eq!(
        placement(Action::SubmitForReview, None, None, now).unwrap(),
        (PostStatus::Draft, None, Some(now))
    );
    assert_eq!(
        placement(Action::PublishNow, None, None, now).unwrap(),
        (PostStatus::Published, Some(now), None)
    );
    assert_eq!(
        placement(Action::PublishNow, None, Some(earlier), now).unwrap(),
        (PostStatus::Published, Some(earlier), None),
        "a time in the past back-dates"
    );
    assert_eq!(
        placement(Action::Schedule(later), None, None, now).unwrap(),
        (PostStatus::Scheduled, Some(later), None)
    );
    assert!(matches!(
        placement(Action::Schedule(now), None, None, now),
        Err(PublishError::ScheduleInPast)
    ));
    assert!(matches!(
        placement(Action::Unpublish, None, None, now),
        Err(PublishError::NotPublished)
    ));
}
