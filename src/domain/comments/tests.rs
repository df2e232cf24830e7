use super::*;

fn v(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn addressing_decides_visibility() {
    let actor = "https://social.example/users/pat";
    assert_eq!(
        visibility(&v(&["https://www.w3.org/ns/activitystreams#Public"]), actor),
        Visibility::Public
    );
    assert_eq!(
        visibility(
            &v(&["https://social.example/users/pat/followers", "as:Public"]),
            actor
        ),
        Visibility::Public
    );
    assert_eq!(
        visibility(&v(&["https://social.example/users/pat/followers"]), actor),
        Visibility::Followers
    );
    assert_eq!(
        visibility(&v(&["https://community.example/@alice"]), actor),
        Visibility::Private
    );
    assert_eq!(
        visibility(&v(&["https://other.example/users/x/followers"]), actor),
        Visibility::Private
    );
    assert_eq!(visibility(&[], actor), Visibility::Private);
}

#[test]
fn policies_admit_replies() {
    use Admission::*;
    use CommentState::*;
    assert_eq!(
        admit(ReplyPolicy::Anyone, Visibility::Public, false),
        Store(Approved)
    );
    assert_eq!(
        admit(ReplyPolicy::Followers, Visibility::Public, true),
        Store(Approved)
    );
    assert_eq!(
        admit(ReplyPolicy::Followers, Visibility::Followers, false),
        Store(Pending)
    );
    assert_eq!(admit(ReplyPolicy::Nobody, Visibility::Public, true), Refuse);
    assert_eq!(
        admit(ReplyPolicy::Nobody, Visibility::Private, false),
        Store(Approved)
    );
    assert_eq!(
        "Followers".parse::<ReplyPolicy>().unwrap(),
        ReplyPolicy::Followers
    );
    assert!("everyone".parse::<ReplyPolicy>().is_err());
}

#[test]
fn threads_nest_and_skip_hidden_comments() {
    let n = |id, parent, shown| Node { id, parent, shown };
    // 1 ← 2 ← 3 (hidden) ← 4; 5 top level; 6 answers 1.
    let nodes = [
        n(1, None, true),
        n(2, Some(1), true),
        n(3, Some(2), false),
        n(4, Some(3), true),
        n(5, None, true),
        n(6, Some(1), true),
    ];
    let order: Vec<(i64, usize)> = thread_order(&nodes)
        .into_iter()
        .map(|(i, d)| (nodes[i].id, d))
        .collect();
    assert_eq!(order, vec![(1, 0), (2, 1), (4, 2), (6, 1), (5, 0)]);
    let chain: Vec<Node> = (1..=10)
        .map(|i| n(i, if i == 1 { None } else { Some(i - 1) }, true))
        .collect();
    let depths: Vec<usize> = thread_order(&chain).into_iter().map(|(_, d)| d).collect();
    assert_eq!(*depths.iter().max().unwrap(), MAX_INDENT);
}
