//! `plan`: what arming each fault would do, resolved against the cluster, changing nothing.

use std::path::Path;
use std::process::ExitCode;

use super::{env_lookup, load, runtime};
use crate::exit::ExitStatus;
use crate::text::visible;

/// Tries every source once (the preflight `run` makes), resolves every fault as arming
/// would (targets, blast radius, permissions) and prints the plan; changes nothing. Exit
/// 0 when every source answered and every fault could be armed, 69 when a source did not
/// answer, 6 (NOT RUN) when a fault could not be armed.
pub fn plan(path: &Path, context: Option<String>, prometheus_url: Option<String>) -> ExitCode {
    if let Err(code) = super::check_prometheus_flag(prometheus_url.as_deref()) {
        return code;
    }
    let (mut s, text) = match load(path) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let file = path.display().to_string();
    let origins = crate::preflight::Origins {
        text: &text,
        file: &file,
        prometheus_flag: prometheus_url.is_some(),
        context_flag: context.is_some(),
        env: &env_lookup,
    };
    super::apply_overrides(&mut s, context, prometheus_url);
    // a plan is pasted into tickets and chats: it is redacted as the run's journal is
    // (after the overrides: `--prometheus-url` may carry a credential)
    let redactor = match crate::scenario::secrets::collect(&text, &s, &env_lookup) {
        Ok((r, _)) => r,
        Err(e) => {
            crate::tell!("gameday plan: {e}");
            return ExitStatus::Usage.into();
        }
    };
    let shown = |t: &str| visible(&redactor.scrub(t)).into_owned();
    // what `run` refuses before it starts, `plan` refuses too: an unreadable token or
    // password file, an unset variable the Prometheus client or a `notify:` webhook needs
    if let Some(p) = &s.prometheus {
        if let Err(e) = crate::signals::prometheus::Client::new(p, &env_lookup) {
            crate::tell!("gameday plan: {}", shown(&e));
            return ExitStatus::Usage.into();
        }
    }
    if let Err(e) = crate::notify::resolve(&s.notify, &env_lookup) {
        crate::tell!("gameday plan: {}", shown(&e));
        return ExitStatus::Usage.into();
    }
    let hypothesis = s
        .hypothesis
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    crate::say!(
        "scenario {} — {}",
        redactor.scrub_name(&s.name),
        shown(&hypothesis)
    );
    crate::say!(
        "baseline {}, recovery {}, max_duration {}",
        crate::units::format_duration(s.phases.baseline),
        crate::units::format_duration(s.phases.recovery),
        crate::units::format_duration(s.safety.max_duration)
    );
    // where the team is told, by variable: a URL is a secret and is never printed
    for line in crate::notify::plan_lines(&s.notify) {
        crate::say!("{}", shown(&line));
    }
    let Some(rt) = runtime() else {
        return ExitStatus::Usage.into();
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let (dead, all_ok) = rt.block_on(async {
        let mut pre = crate::preflight::run(&s, &origins).await;
        // a pods panel or signal without its cluster does not stop the plan of faults
        // that never touch the cluster
        let faults_need_cluster = s.faults.iter().any(|f| f.kind.needs_cluster());
        if !faults_need_cluster {
            pre.kube_only_warns();
        }
        for line in pre.lines(&redactor) {
            crate::say!("{line}");
        }
        let dead = !pre.failed().is_empty();
        let ctx = if faults_need_cluster {
            if !pre.cluster_answered() {
                crate::say!("cannot resolve the plan: the Kubernetes API did not answer (see the preflight above)");
                return (dead, false);
            }
            match crate::scenario::fault_context(&s, "plan", base).await {
                Ok(c) => c,
                Err(e) => {
                    crate::say!("cannot resolve the plan: {}", shown(&e));
                    return (dead, false);
                }
            }
        } else {
            crate::faults::Context {
                cluster: None,
                safety: s.safety.clone(),
                run_id: "plan".into(),
                base_dir: base,
                progress: None,
            }
        };
        if let Some(c) = &ctx.cluster {
            crate::say!(
                "cluster: context `{}` at {}, namespace {}",
                c.context,
                c.server,
                c.namespace
            );
        }
        let mut all_ok = true;
        for (i, f) in s.faults.iter().enumerate() {
            crate::say!(
                "{}. {} ({}, {})",
                i + 1,
                redactor.scrub_name(&f.name),
                f.kind.name(),
                crate::units::format_duration(f.duration)
            );
            let result = match crate::faults::build(f, &ctx) {
                Ok(action) => action.prepare().await,
                Err(e) => Err(e),
            };
            match result {
                // plans quote what the cluster answered: each line stays one line
                Ok(lines) => {
                    for line in lines {
                        crate::say!("   {}", shown(&line));
                    }
                }
                Err(why) => {
                    all_ok = false;
                    for line in crate::resolve::static_plan(&f.kind) {
                        crate::say!("   {}", shown(&line));
                    }
                    crate::say!("   CANNOT BE ARMED: {}", shown(&why));
                }
            }
        }
        (dead, all_ok)
    });
    if dead {
        // `run` would refuse to start
        crate::tell!(
            "gameday plan: a source did not answer (see the preflight above): `gameday run` would refuse to start (exit 69)"
        );
        ExitStatus::Unavailable.into()
    } else if all_ok {
        ExitCode::SUCCESS
    } else {
        // nothing would run as written
        ExitStatus::NotRun.into()
    }
}
