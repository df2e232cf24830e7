use super::*;
use chrono::TimeZone;

#[test]
fn title_comes_from_front_matter_or_the_first_heading() {
    let s = Submission::from_markdown_file("---\ntitle: From FM\n---\nBody").unwrap();
    assert_eq!((s.title.as_str(), s.slug.as_str()), ("From FM", "from-fm"));
    let s = Submission::from_markdown_file("# From Heading\n\nBody text").unwrap();
    assert_eq!(s.title, "From Heading");
    assert_eq!(s.body, "Body text");
}

#[test]
fn bad_posts_are_refused_with_a_reason() {
    assert_eq!(
        Submission::from_markdown_file("just text"),
        Err(PostError::EmptyTitle)
    );
    assert_eq!(
        Submission::from_markdown_file("---\ntitle: \"  \"\n---\ntext"),
        Err(PostError::EmptyTitle)
    );
    let big = format!("# T\n\n{}", "x".repeat(MAX_MARKDOWN_BYTES));
    assert!(matches!(
        Submission::from_markdown_file(&big),
        Err(PostError::TooLarge(_))
    ));
    assert!(matches!(
        Submission::from_markdown_file("---\nslug: Bad Slug\ntitle: t\n---\nx"),
        Err(PostError::Slug(_))
    ));
    assert!(matches!(
        Submission::from_markdown_file("---\ncolour: red\n---\n# T\nx"),
        Err(PostError::FrontMatter(_))
    ));
}

#[test]
fn status_follows_draft_and_publication_time() {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let s =
        |fm: &str| Submission::from_markdown_file(&format!("---\ntitle: t\n{fm}---\nx")).unwrap();
    assert_eq!(s("").status_at(now), PostStatus::Published);
    assert_eq!(s("draft: true\n").status_at(now), PostStatus::Draft);
    assert_eq!(
        s("published: 2027-01-01\n").status_at(now),
        PostStatus::Scheduled
    );
    assert_eq!(
        s("published: 2020-01-01\n").status_at(now),
        PostStatus::Published
    );
}

#[test]
fn front_matter_chooses_who_may_reply() {
    let s = Submission::from_markdown_file("---\ntitle: t\nreplies: followers\n---\nx").unwrap();
    assert_eq!(s.replies, Some(ReplyPolicy::Followers));
    assert_eq!(
        Submission::from_markdown_file("---\ntitle: t\n---\nx")
            .unwrap()
            .replies,
        None
    );
    assert!(matches!(
        Submission::from_markdown_file("---\ntitle: t\nreplies: all\n---\nx"),
        Err(PostError::Replies(_))
    ));
}

#[test]
fn front_matter_sets_who_may_quote_and_refuses_unknown_policies() {
    let s = Submission::from_markdown_file("---\ntitle: t\nquotes: nobody\n---\nx").unwrap();
    assert_eq!(s.quotes, Some(QuotePolicy::Nobody));
    let s = Submission::from_markdown_file("---\ntitle: t\n---\nx").unwrap();
    assert_eq!(s.quotes, None);
    assert!(matches!(
        Submission::from_markdown_file("---\ntitle: t\nquotes: everyone\n---\nx"),
        Err(PostError::Quotes(_))
    ));
}

#[test]
fn reading_time_counts_words_and_is_at_least_a_minute() {
    assert_eq!(reading_minutes("Hello."), 1);
    assert_eq!(reading_minutes(""), 1);
    assert_eq!(reading_minutes(&"word ".repeat(230)), 1);
    assert_eq!(reading_minutes(&"word ".repeat(231)), 2);
    // Punctuation alone is not a word.
    assert_eq!(reading_minutes(&"- ".repeat(1000)), 1);
}
