//! Collects per-round figures and prints them as Markdown: medians, ratios, goals.

use std::collections::BTreeMap;

use crate::Plan;

/// Figures by name, one value per round (or per run).
#[derive(Default)]
pub struct Report {
    values: BTreeMap<String, Vec<f64>>,
    /// Scenarios that failed, with why; the run goes on and ends with an error.
    failures: Vec<String>,
}

/// A page or document compared with the reference.
pub struct Compared {
    pub key: &'static str,
    pub label: &'static str,
    /// The reference document it is compared with.
    pub against: &'static str,
    /// Chorus/reference at least this; 0 for a figure given as context.
    pub goal: f64,
}

pub const COMPARED: &[Compared] = &[
    Compared {
        key: "post",
        label: "post page, cached",
        against: "page",
        goal: 0.80,
    },
    Compared {
        key: "home",
        label: "home page",
        against: "page",
        goal: 0.80,
    },
    Compared {
        key: "rss",
        label: "RSS feed",
        against: "page",
        goal: 0.80,
    },
    Compared {
        key: "atom",
        label: "Atom feed",
        against: "page",
        goal: 0.80,
    },
    Compared {
        key: "jsonfeed",
        label: "JSON Feed",
        against: "page",
        goal: 0.80,
    },
    Compared {
        key: "cold",
        label: "post page right after an edit",
        against: "page",
        goal: 0.25,
    },
    Compared {
        key: "rebuild",
        label: "post page after a site-wide change (every page re-rendered)",
        against: "page",
        goal: 0.0,
    },
    Compared {
        key: "search",
        label: "search results page (ten queries, not cached)",
        against: "page",
        goal: 0.0,
    },
    Compared {
        key: "webfinger",
        label: "WebFinger",
        against: "JSON",
        goal: 0.70,
    },
    Compared {
        key: "actor",
        label: "actor JSON",
        against: "JSON",
        goal: 0.70,
    },
    Compared {
        key: "article",
        label: "Article JSON",
        against: "JSON",
        goal: 0.70,
    },
];

pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let n = x.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn yes(met: bool) -> &'static str {
    if met { "yes" } else { "**no**" }
}

impl Report {
    /// Records a scenario's failure, if it failed.
    pub fn check(&mut self, scenario: &str, done: anyhow::Result<()>) {
        if let Err(e) = done {
            eprintln!("  {scenario} FAILED: {e:#}");
            self.failures.push(format!("{scenario}: {e:#}"));
        }
    }

    pub fn add(&mut self, key: impl Into<String>, value: f64) {
        self.values.entry(key.into()).or_default().push(value);
    }

    pub fn median(&self, key: &str) -> f64 {
        self.values.get(key).map(|v| median(v)).unwrap_or(f64::NAN)
    }

    pub fn max(&self, key: &str) -> f64 {
        self.values
            .get(key)
            .and_then(|v| v.iter().copied().reduce(f64::max))
            .unwrap_or(f64::NAN)
    }

    fn all(&self, key: &str) -> String {
        match self.values.get(key) {
            Some(v) => v
                .iter()
                .map(|x| format!("{x:.2}"))
                .collect::<Vec<_>>()
                .join(" "),
            None => "–".into(),
        }
    }

    /// Figures that should be there and are not: a scenario that did not run or failed.
    pub fn problems(&self) -> Vec<String> {
        let missing = self
            .expected()
            .into_iter()
            .filter(|k| !self.median(k).is_finite())
            .map(|k| format!("no figure for {k}"));
        self.failures.iter().cloned().chain(missing).collect()
    }

    fn expected(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for c in COMPARED {
            if self
                .values
                .keys()
                .any(|k| k.starts_with(&format!("{}:", c.key)))
            {
                keys.push(format!("{}:ratio", c.key));
            }
        }
        keys
    }

    pub fn markdown(&self, plan: &Plan) -> String {
        let mut md = String::new();
        if plan.smoke {
            md.push_str(
                "Smoke pass on a debug build: it checks that every scenario runs and answers \
                 correctly. Its figures (speed, memory, binary size) are not measurements.\n\n",
            );
        }
        md.push_str(&format!(
            "Chorus on {}. Rounds: {}; {:.1} s per run after {:.1} s of warm-up; {} connections; {} posts, {} remote followers \
             (+{} for the fan-out); {} liking actors.\n\n",
            if plan.database_url.is_some() {
                "PostgreSQL"
            } else {
                "SQLite"
            },
            plan.rounds,
            plan.seconds.as_secs_f64(),
            plan.warmup.as_secs_f64(),
            plan.connections,
            plan.posts,
            plan.realistic_instances * plan.followers_per_instance,
            (plan.instances - plan.realistic_instances) * plan.followers_per_instance,
            plan.likers
        ));
        md.push_str("| scenario | reference req/s | Chorus req/s | Chorus/reference | goal | met |\n|---|---:|---:|---:|---|---|\n");
        for c in COMPARED {
            let ratio = self.median(&format!("{}:ratio", c.key));
            if !ratio.is_finite() {
                continue;
            }
            // A goal of 0 marks a figure given for context.
            let (goal, met) = if c.goal > 0.0 {
                (
                    format!("≥ {:.0}% of the reference {}", c.goal * 100.0, c.against),
                    yes(ratio >= c.goal),
                )
            } else {
                ("(context)".to_owned(), "–")
            };
            md.push_str(&format!(
                "| {} | {} ({}) | {} | {:.0}% | {goal} | {met} |\n",
                c.label,
                thousands(self.median(&format!("{}:ref", c.key))),
                c.against,
                thousands(self.median(&format!("{}:chorus", c.key))),
                ratio * 100.0,
            ));
        }
        md.push_str("\n| scenario | figure | goal | met |\n|---|---|---|---|\n");
        let inbox = self.median("inbox:rate");
        if inbox.is_finite() {
            let errors = self.max("inbox:errors");
            let failed = if errors > 0.0 {
                format!(
                    ", but up to {} of {} refused",
                    thousands(errors),
                    thousands(plan.likes_per_round as f64)
                )
            } else {
                String::new()
            };
            md.push_str(&format!(
                "| inbox: signed `Like`s from {} actors (keys cached), verified and stored | {}/s{failed} | ≥ 5,000/s | {} |\n",
                plan.likers,
                thousands(inbox),
                yes(inbox >= 5000.0 && errors == 0.0)
            ));
        }
        let delivered = self.median("fanout:delivered_s");
        let floor = self.median("fanout:floor_s");
        if delivered.is_finite() {
            let times = self.median("fanout:times_floor");
            md.push_str(&format!(
                "| fan-out: one post to {} followers on {} instances, all delivered | {:.2} s = {:.2}× the signing floor ({:.2} s for {} RSA-2048 signatures) | ≤ 2× | {} |\n",
                thousands((plan.instances * plan.followers_per_instance) as f64),
                thousands(plan.instances as f64),
                delivered,
                times,
                floor,
                thousands(plan.instances as f64),
                yes(times <= 2.0)
            ));
            let publish = self.median("fanout:publish_ms");
            md.push_str(&format!(
                "| fan-out: `chorus post publish` returns (whole command) | {publish:.0} ms | < 50 ms | {} |\n",
                yes(publish < 50.0)
            ));
            let p99 = self.median("fanout:reader_p99_ms");
            md.push_str(&format!(
                "| fan-out: post page p99 while it runs ({} req/s of readers) | {p99:.1} ms | < 50 ms | {} |\n",
                plan.reader_rate,
                yes(p99 < 50.0)
            ));
        }
        let idle = self.median("memory:idle_mb");
        if idle.is_finite() {
            md.push_str(&format!(
                "| memory: idle RSS after start | {idle:.1} MB | ≤ 15 MB | {} |\n",
                yes(idle <= 15.0)
            ));
        }
        let peak = self.max("memory:peak_mb");
        if peak.is_finite() {
            md.push_str(&format!(
                "| memory: peak RSS (VmHWM) during the load runs | {peak:.1} MB | ≤ 64 MB | {} |\n",
                yes(peak <= 64.0)
            ));
        }
        let start = self.median("start:first_200_ms");
        if start.is_finite() {
            md.push_str(&format!(
                "| cold start: launch to first 200 of `/`, existing database | {start:.0} ms | ≤ 200 ms | {} |\n",
                yes(start <= 200.0)
            ));
        }
        let size = self.median("binary:mb");
        if size.is_finite() {
            md.push_str(&format!(
                "| release binary, stripped | {size:.1} MB | ≤ 25 MB | {} |\n",
                yes(size <= 25.0)
            ));
        }

        md.push_str("\nContext (medians): latency and body size per answer, CPU time.\n\n");
        md.push_str("| run | p50 ms | p99 ms | bytes/answer |\n|---|---:|---:|---:|\n");
        let mut context_keys: Vec<&str> = vec!["page", "JSON"];
        context_keys.extend(COMPARED.iter().map(|c| c.key));
        for k in context_keys {
            for side in ["ref", "chorus"] {
                let p50 = self.median(&format!("{k}:{side}:p50"));
                if !p50.is_finite() {
                    continue;
                }
                md.push_str(&format!(
                    "| {k} ({}) | {p50:.2} | {:.2} | {} |\n",
                    if side == "ref" { "reference" } else { "Chorus" },
                    self.median(&format!("{k}:{side}:p99")),
                    thousands(self.median(&format!("{k}:{side}:bytes")))
                ));
            }
        }
        for (key, label) in [
            ("inbox:p50", "inbox `Like` p50 latency, ms"),
            ("inbox:p99", "inbox `Like` p99 latency, ms"),
            ("inbox:cpu_us", "Chorus CPU time per `Like`, µs"),
            ("inbox:errors", "inbox requests not answered 202"),
            ("fanout:cpu_s", "Chorus CPU time during the fan-out, s"),
            (
                "fanout:reader_p50_ms",
                "post page p50 during the fan-out, ms",
            ),
            ("cold:edit_ms", "`chorus post publish` of the edit, ms"),
            ("memory:after_mb", "RSS after the load runs, MB"),
        ] {
            if self.values.contains_key(key) {
                md.push_str(&format!(
                    "\n- {label}: {:.1} (each round: {})",
                    self.median(key),
                    self.all(key)
                ));
            }
        }
        md.push_str("\n\nPer-round ratios (Chorus/reference):\n");
        for c in COMPARED {
            let key = format!("{}:ratio", c.key);
            if self.values.contains_key(&key) {
                md.push_str(&format!("\n- {}: {}", c.label, self.all(&key)));
            }
        }
        md.push('\n');
        if !self.failures.is_empty() {
            md.push_str("\nFailures:\n");
            for f in &self.failures {
                md.push_str(&format!("\n- {f}"));
            }
            md.push('\n');
        }
        md
    }
}
